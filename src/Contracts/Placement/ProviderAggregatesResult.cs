namespace Contracts.Placement;

/// <summary>The aggregates of a provider after a read or a write, with its generation then; or the problem.</summary>
public sealed record ProviderAggregatesResult(long Generation, IReadOnlyList<string> Aggregates, PlacementProblem? Problem);
