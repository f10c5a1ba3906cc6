namespace Contracts.Placement;

public sealed record GetResourceClass(string Name);
