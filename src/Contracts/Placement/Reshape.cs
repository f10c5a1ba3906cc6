namespace Contracts.Placement;

/// <summary>
/// POST /reshaper (1.30): providers' inventories and consumers' allocations replaced in one transaction, so
/// inventory can move between providers with the allocations standing on it.
/// </summary>
public sealed record Reshape(
    IReadOnlyList<Reshape.ProviderInventories> Inventories,
    IReadOnlyList<ConsumerAllocations> Allocations,
    bool ReservedMayEqualTotal,
    bool TypedConsumers)
{
    /// <param name="ProviderUuid">As the client wrote it.</param>
    public sealed record ProviderInventories(string ProviderUuid, long Generation, IReadOnlyList<Inventory> Inventories);
}
