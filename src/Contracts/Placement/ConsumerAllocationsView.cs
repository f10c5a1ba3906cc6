namespace Contracts.Placement;

/// <summary>A consumer's allocations as Placement shows them: per provider (with its generation) per class.</summary>
/// <param name="Allocations">Empty when the consumer holds nothing (or does not exist).</param>
public sealed record ConsumerAllocationsView(
    IReadOnlyList<ConsumerAllocationsView.Provider> Allocations,
    string? ProjectId,
    string? UserId,
    long? ConsumerGeneration,
    string? ConsumerType,
    DateTime? LastModified)
{
    public sealed record Provider(Guid Uuid, long Generation, IReadOnlyList<ResourceAmount> Resources);
}
