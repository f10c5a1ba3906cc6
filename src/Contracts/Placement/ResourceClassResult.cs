namespace Contracts.Placement;

/// <param name="Created">For <see cref="EnsureResourceClass"/>: whether it did not exist before.</param>
public sealed record ResourceClassResult(ResourceClass? ResourceClass, bool Created, PlacementProblem? Problem);
