namespace Contracts.Placement;

public sealed record GetResourceProvider(Guid Uuid);
