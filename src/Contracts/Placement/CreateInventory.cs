namespace Contracts.Placement;

/// <summary>Adds one inventory to a provider (POST .../inventories).</summary>
public sealed record CreateInventory(Guid ProviderUuid, Inventory Inventory, bool ReservedMayEqualTotal);
