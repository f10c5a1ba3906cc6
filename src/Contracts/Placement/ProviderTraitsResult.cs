namespace Contracts.Placement;

/// <summary>A provider's traits after a read or a write, with its generation then; or the problem.</summary>
/// <param name="LastModified">The latest change among those traits themselves (null: no traits).</param>
public sealed record ProviderTraitsResult(long Generation, IReadOnlyList<string> Traits, DateTime? LastModified, PlacementProblem? Problem);
