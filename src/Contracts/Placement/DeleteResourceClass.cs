namespace Contracts.Placement;

public sealed record DeleteResourceClass(string Name);
