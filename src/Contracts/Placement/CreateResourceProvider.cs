namespace Contracts.Placement;

public sealed record CreateResourceProvider(Guid Uuid, string Name, Guid? ParentUuid);
