using System.ComponentModel.DataAnnotations;

namespace Workers.Queue;

/// <summary>
/// The <c>Queue</c> section: per-type admission policy (<c>Defaults</c>, overridden by <c>Types:&lt;type&gt;</c>), the
/// operator's aggregate names, and the sweep, retention and bind-retry settings.
/// </summary>
public sealed class QueueOptions : IValidatableObject
{
    public const string Section = "Queue";

    public QueueTypeOptions Defaults { get; set; } = new();
    public Dictionary<string, QueueTypeOptions> Types { get; set; } = [];
    /// <summary>Names a job's <c>data.host_aggregate</c> may use instead of a Placement aggregate uuid.</summary>
    public Dictionary<string, Guid> Aggregates { get; set; } = [];
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(5);
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);
    [Range(0, 100)]
    public int BindRetries { get; set; } = 3;
    /// <summary>How many jobs of each strict type an admission pass reads (the whole queue once per
    /// <see cref="SweepInterval"/>): a pass costs what its window holds, not what the queue holds.</summary>
    [Range(1, 1_000_000)]
    public int PlanWindow { get; set; } = 1000;

    /// <summary>Whether a type's jobs may pass a waiting head, so a pass reads all of them, not a window.</summary>
    public bool IsBackfill(string type) => For(type).Policy == TypePolicy.Backfill;

    /// <summary>A type's policy: its own settings over the defaults over the built-in ones.</summary>
    public TypePolicy For(string type)
    {
        var own = Types.GetValueOrDefault(type);
        return new TypePolicy(
            own?.Policy ?? Defaults.Policy ?? TypePolicy.Strict,
            own?.BackfillMaxHeadWait ?? Defaults.BackfillMaxHeadWait ?? TimeSpan.FromMinutes(10),
            own?.Placement ?? Defaults.Placement ?? TypePolicy.Spread,
            own?.MaxRunTime ?? Defaults.MaxRunTime);
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext context)
    {
        foreach (var (name, settings) in Types.Select(t => ($"Types:{t.Key}", t.Value)).Prepend(("Defaults", Defaults)))
        {
            if (settings.Policy is not (null or TypePolicy.Strict or TypePolicy.Backfill))
                yield return new ValidationResult($"Queue:{name}:Policy must be strict or backfill, not '{settings.Policy}'.");
            if (settings.Placement is not (null or TypePolicy.Spread or TypePolicy.Pack))
                yield return new ValidationResult($"Queue:{name}:Placement must be spread or pack, not '{settings.Placement}'.");
            if (settings.MaxRunTime <= TimeSpan.Zero)
                yield return new ValidationResult($"Queue:{name}:MaxRunTime must be positive.");
        }
        if (SweepInterval <= TimeSpan.Zero)
            yield return new ValidationResult("Queue:SweepInterval must be positive.");
    }
}
