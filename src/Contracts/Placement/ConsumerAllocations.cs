namespace Contracts.Placement;

/// <summary>
/// What one consumer should hold after the write: every provider's resources (an empty list removes all it holds).
/// </summary>
/// <param name="ProjectId">Null below 1.8, where Placement files the consumer under its "incomplete consumer" ids.</param>
/// <param name="ConsumerGeneration">The generation the client saw (null: a new consumer), checked from 1.28.</param>
/// <param name="ConsumerType">From 1.38.</param>
public sealed record ConsumerAllocations(
    Guid ConsumerUuid,
    string? ProjectId,
    string? UserId,
    long? ConsumerGeneration,
    string? ConsumerType,
    IReadOnlyList<ProviderAllocation> Allocations);
