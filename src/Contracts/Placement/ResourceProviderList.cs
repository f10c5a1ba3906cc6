namespace Contracts.Placement;

/// <param name="Problem">An unknown trait or resource class among the filters.</param>
public sealed record ResourceProviderList(IReadOnlyList<ResourceProvider> Providers, PlacementProblem? Problem = null);
