namespace Contracts.Placement;

public sealed record ResourceClass(string Name, DateTime CreatedAt, DateTime? UpdatedAt);
