namespace Workers.Queue;

/// <summary>How a type's jobs are admitted: order (<c>strict</c>/<c>backfill</c>) and placement (<c>spread</c>/<c>pack</c>).</summary>
public sealed record TypePolicy(string Policy, TimeSpan BackfillMaxHeadWait, string Placement, TimeSpan? MaxRunTime)
{
    public const string Strict = "strict";
    public const string Backfill = "backfill";
    public const string Spread = "spread";
    public const string Pack = "pack";
}
