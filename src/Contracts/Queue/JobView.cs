namespace Contracts.Queue;

/// <summary>A job as the queue API shows it (the Api writes the original wire names: <c>ID</c>, <c>CreatedAt</c>, ...).</summary>
/// <param name="Position">0-based rank among the type's queued jobs; null unless queued.</param>
/// <param name="Reason">Why a queued job still waits; null otherwise.</param>
public sealed record JobView(
    long Id,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime? DeletedAt,
    string RequestId,
    string Type,
    string OwnerId,
    string Data,
    string Callback,
    long Priority,
    string Status,
    long? Position,
    string? Reason,
    IReadOnlyList<InstanceView> Instances,
    DateTime? AdmittedAt,
    DeliveryView? CallbackDelivery);
