namespace Contracts.Placement;

/// <summary>The answer to a command or query about one provider: the provider, or the problem.</summary>
public sealed record ResourceProviderResult(ResourceProvider? Provider, PlacementProblem? Problem);
