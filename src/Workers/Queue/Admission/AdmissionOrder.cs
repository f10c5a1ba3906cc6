namespace Workers.Queue.Admission;

/// <summary>How a queue type lets its jobs overtake each other.</summary>
public enum AdmissionOrder
{
    /// <summary>No job is admitted while an earlier job of its type waits.</summary>
    Strict,

    /// <summary>A later job that fits may go first, until the waiting head has waited past the type's bound.</summary>
    Backfill,
}
