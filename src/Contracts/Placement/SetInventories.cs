namespace Contracts.Placement;

/// <summary>Replaces all of a provider's inventories (PUT .../inventories); an empty list deletes them all.</summary>
/// <param name="Generation">The provider generation the client saw; null skips the check (DELETE .../inventories).</param>
/// <param name="ReservedMayEqualTotal">From microversion 1.26 reserved may equal total.</param>
public sealed record SetInventories(Guid ProviderUuid, long? Generation, IReadOnlyList<Inventory> Inventories, bool ReservedMayEqualTotal);
