namespace Contracts.Placement;

public sealed record GetProviderUsages(Guid ProviderUuid);
