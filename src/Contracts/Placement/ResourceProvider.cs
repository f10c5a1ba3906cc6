namespace Contracts.Placement;

/// <summary>A resource provider as the workers read it; the Api turns it into Placement's wire format.</summary>
public sealed record ResourceProvider(
    Guid Uuid,
    string Name,
    long Generation,
    Guid? ParentUuid,
    Guid RootUuid,
    DateTime CreatedAt,
    DateTime? UpdatedAt);
