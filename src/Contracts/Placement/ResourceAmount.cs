namespace Contracts.Placement;

public sealed record ResourceAmount(string ResourceClass, long Amount);
