namespace Contracts.Placement;

/// <summary>What is allocated on a provider, per resource class it has inventory of (0 when nothing is).</summary>
public sealed record ProviderUsagesResult(long Generation, IReadOnlyDictionary<string, long> Usages, PlacementProblem? Problem);
