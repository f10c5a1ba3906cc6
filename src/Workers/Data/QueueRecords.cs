namespace Workers.Data;

// The job queue's tables: jobs, their instances, and the callback deliveries owed to them.

/// <summary>A job in a queue (its <c>Type</c>). <c>Status</c> is one of <see cref="JobStatus"/>.</summary>
public sealed class JobRecord
{
    public long Id { get; set; }
    public required string Type { get; set; }
    public required string RequestId { get; set; }
    public required string OwnerId { get; set; }
    /// <summary><c>data.project</c>: whose project the instances' allocations are filed under (else the owner's).</summary>
    public string? Project { get; set; }
    /// <summary>The client's <c>data</c> object as compact JSON text.</summary>
    public required string Data { get; set; }
    public required string Callback { get; set; }
    public long Priority { get; set; }
    public required string Status { get; set; }
    public string? AggregateLabel { get; set; }
    public Guid? AggregateUuid { get; set; }
    /// <summary>Why a queued job still waits, as the last admission pass saw it.</summary>
    public string? Reason { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? DeletedAt { get; set; }
    /// <summary>When it (last) joined the queue: the backfill bound counts from here.</summary>
    public DateTime QueuedSince { get; set; }
    public DateTime? AdmittedAt { get; set; }
    /// <summary>When a running job passes its type's <c>MaxRunTime</c>.</summary>
    public DateTime? ExpiresAt { get; set; }
}

public static class JobStatus
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Done = "done";
    public const string Deleted = "deleted";
    public const string Failed = "failed";

    /// <summary>Jobs that hold their callback URL: no other active job of the type may use it.</summary>
    public static readonly string[] Active = [Queued, Running];
}

/// <summary>One instance of a job: what it asks for, its server uuid, and where it landed once admitted.</summary>
public sealed class JobInstanceRecord
{
    public long JobId { get; set; }
    public int Index { get; set; }
    public Guid ServerUuid { get; set; }
    public int Vcpu { get; set; }
    public int MemoryMb { get; set; }
    public int DiskGb { get; set; }
    /// <summary>More resource classes, a JSON object of class name to amount.</summary>
    public required string Resources { get; set; }
    /// <summary>Required and forbidden (<c>!T</c>) traits, a JSON array.</summary>
    public required string Traits { get; set; }
    public string? DeviceProfile { get; set; }
    /// <summary>The name of the root provider it landed in.</summary>
    public string? Host { get; set; }
    public Guid? ProviderUuid { get; set; }
}

/// <summary>
/// A callback owed to a job's receiver. Work due later is a row: its attempts, its next due time and the worker
/// holding it (until <c>ClaimedUntil</c>) live here, so no crash loses a delivery and no two workers send it at once.
/// </summary>
public sealed class CallbackDeliveryRecord
{
    /// <summary>Sent as <c>X-Queue-Delivery</c>, the same on every retry.</summary>
    public Guid Id { get; set; }
    public long JobId { get; set; }
    public required string Event { get; set; }
    /// <summary>The exact JSON body, fixed when the event happened.</summary>
    public required string Body { get; set; }
    public required string State { get; set; }
    public int Attempts { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? FirstAttemptAt { get; set; }
    public DateTime NextAttemptAt { get; set; }
    public string? LastError { get; set; }
    public DateTime? DeliveredAt { get; set; }
    public string? ClaimedBy { get; set; }
    public DateTime? ClaimedUntil { get; set; }
    /// <summary>The last attempts, a JSON array of <see cref="Contracts.Queue.DeliveryAttempt"/>.</summary>
    public required string History { get; set; }
}

public static class DeliveryState
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Failed = "failed";
}

/// <summary>A request id whose job retention purged: it stays taken within its type.</summary>
public sealed class RetiredRequestIdRecord
{
    public required string Type { get; set; }
    public required string RequestId { get; set; }
    public DateTime RetiredAt { get; set; }
}
