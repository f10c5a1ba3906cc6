namespace Contracts.Queue;

/// <summary>The job's latest callback delivery.</summary>
public sealed record DeliveryView(
    Guid Id, string Event, string State, int Attempts, string? LastError, DateTime? DeliveredAt, DateTime? NextAttemptAt,
    IReadOnlyList<DeliveryAttempt> History);
