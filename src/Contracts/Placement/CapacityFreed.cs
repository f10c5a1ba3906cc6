namespace Contracts.Placement;

/// <summary>
/// Published after a commit that may let more fit: inventory added or grown, a provider added, traits or aggregates
/// changed, allocations removed or shrunk. A nudge for admission; the periodic sweep covers a lost one.
/// </summary>
public sealed record CapacityFreed(IReadOnlyList<Guid> ProviderUuids, string Reason);
