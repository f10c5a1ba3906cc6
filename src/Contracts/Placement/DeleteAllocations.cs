namespace Contracts.Placement;

public sealed record DeleteAllocations(Guid ConsumerUuid);
