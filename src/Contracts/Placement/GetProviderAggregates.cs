namespace Contracts.Placement;

public sealed record GetProviderAggregates(Guid ProviderUuid);
