namespace Contracts.Placement;

public sealed record GetConsumerAllocations(Guid ConsumerUuid);
