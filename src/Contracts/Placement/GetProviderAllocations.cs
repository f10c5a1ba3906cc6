namespace Contracts.Placement;

public sealed record GetProviderAllocations(Guid ProviderUuid);
