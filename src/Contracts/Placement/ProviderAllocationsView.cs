namespace Contracts.Placement;

/// <summary>What a provider has allocated, per consumer.</summary>
public sealed record ProviderAllocationsView(
    long Generation,
    IReadOnlyList<ProviderAllocationsView.Consumer> Consumers,
    DateTime? LastModified,
    PlacementProblem? Problem)
{
    public sealed record Consumer(Guid Uuid, long Generation, IReadOnlyList<ResourceAmount> Resources);
}
