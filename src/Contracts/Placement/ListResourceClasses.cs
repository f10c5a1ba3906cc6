namespace Contracts.Placement;

public sealed record ListResourceClasses;
