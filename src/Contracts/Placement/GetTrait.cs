namespace Contracts.Placement;

public sealed record GetTrait(string Name);
