namespace Contracts.Placement;

/// <summary>The answer to an allocation write or a reshape: nothing on success, or the problem.</summary>
public sealed record AllocationsResult(PlacementProblem? Problem);
