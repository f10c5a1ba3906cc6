namespace Contracts.Placement;

public sealed record GetInventories(Guid ProviderUuid);
