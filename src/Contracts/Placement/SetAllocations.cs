namespace Contracts.Placement;

/// <summary>
/// Replaces the allocations of one consumer (PUT /allocations/{consumer}) or of several at once (POST /allocations),
/// all or nothing.
/// </summary>
/// <param name="SingleConsumer">PUT's wording for its errors (POST words some of them differently).</param>
/// <param name="CheckConsumerGenerations">From 1.28.</param>
/// <param name="TypedConsumers">From 1.38: consumer types are recorded.</param>
public sealed record SetAllocations(
    IReadOnlyList<ConsumerAllocations> Consumers, bool SingleConsumer, bool CheckConsumerGenerations, bool TypedConsumers);
