namespace Workers.Queue;

/// <summary>One type's settings under <c>Queue:Defaults</c> or <c>Queue:Types:&lt;type&gt;</c>; null: not set here.</summary>
public sealed class QueueTypeOptions
{
    public string? Policy { get; set; }
    public TimeSpan? BackfillMaxHeadWait { get; set; }
    public string? Placement { get; set; }
    public TimeSpan? MaxRunTime { get; set; }
}
