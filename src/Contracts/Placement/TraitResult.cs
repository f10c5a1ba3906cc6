namespace Contracts.Placement;

/// <summary>One trait after a read or a write; or the problem.</summary>
/// <param name="Created">Whether this command created the trait (201) rather than finding it (204).</param>
public sealed record TraitResult(DateTime? CreatedAt, bool Created, PlacementProblem? Problem);
