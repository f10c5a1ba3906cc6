namespace Workers.Queue.Admission;

/// <summary>A queue type's admission policy.</summary>
/// <param name="BackfillMaxHeadWait">Under <see cref="AdmissionOrder.Backfill"/>, how long the type's head job may wait
/// (since it was queued) before nothing of its type may overtake it any more.</param>
public sealed record QueuePolicy(AdmissionOrder Order, TimeSpan BackfillMaxHeadWait, HostSelection Placement)
{
    /// <summary>What a type without configuration gets (SPEC: strict, spread).</summary>
    public static QueuePolicy Default { get; } = new(AdmissionOrder.Strict, TimeSpan.Zero, HostSelection.Spread);
}
