namespace Contracts.Placement;

public sealed record GetProviderTraits(Guid ProviderUuid);
