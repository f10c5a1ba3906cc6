using System.Collections.Frozen;
using Workers.Placement;

namespace Workers.Queue.Admission;

/// <summary>
/// One resource provider as admission sees it at the start of a pass. <see cref="ParentUuid"/> is null for a root
/// provider (a host); nested children and sharing providers are carried so the candidate search can grow into them
/// without a new snapshot shape.
/// </summary>
/// <param name="Inventories">By resource class name, with Placement's limits.</param>
/// <param name="Usages">What is allocated now, by resource class name.</param>
public sealed record ProviderSnapshot(
    Guid Uuid,
    string Name,
    IReadOnlyDictionary<string, AllocationPlanner.Inventory> Inventories,
    IReadOnlyDictionary<string, long> Usages)
{
    public Guid? ParentUuid { get; init; }
    public IReadOnlySet<string> Traits { get; init; } = FrozenSet<string>.Empty;
    public IReadOnlySet<Guid> Aggregates { get; init; } = FrozenSet<Guid>.Empty;
}
