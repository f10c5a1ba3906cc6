namespace Contracts.Placement;

public sealed record DeleteResourceProvider(Guid Uuid);
