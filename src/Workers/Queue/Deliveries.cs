using Workers.Data;

namespace Workers.Queue;

/// <summary>The callback events a job's receiver gets, and new delivery rows for them.</summary>
public static class Deliveries
{
    public const string Admitted = "job.admitted";
    public const string Expired = "job.expired";
    public const string Failed = "job.failed";

    /// <summary>How many attempts <c>CallbackDelivery.History</c> keeps.</summary>
    public const int HistoryLength = 10;

    /// <param name="claimedBy">The worker that sends it right after its transaction commits; null: whoever polls first.</param>
    public static CallbackDeliveryRecord New(long jobId, string @event, string body, DateTime now, string? claimedBy, DateTime? claimedUntil) => new()
    {
        Id = Guid.NewGuid(),
        JobId = jobId,
        Event = @event,
        Body = body,
        State = DeliveryState.Pending,
        CreatedAt = now,
        NextAttemptAt = now,
        ClaimedBy = claimedBy,
        ClaimedUntil = claimedUntil,
        History = "[]",
    };
}
