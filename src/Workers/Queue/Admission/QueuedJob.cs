namespace Workers.Queue.Admission;

/// <summary>A job waiting for admission: all of its instances are admitted together or not at all.</summary>
/// <param name="QueuedSince">When it started waiting; the backfill bound is measured from here.</param>
/// <param name="RequestId">The client's name for the job, used when other jobs' reasons point at it.</param>
public sealed record QueuedJob(
    long Id, string Type, long Priority, DateTimeOffset QueuedSince, IReadOnlyList<AllocationRequest> Instances, string RequestId);
