namespace Contracts.Placement;

/// <summary>Changes one existing inventory (PUT .../inventories/{resource_class}).</summary>
public sealed record UpdateInventory(Guid ProviderUuid, long Generation, Inventory Inventory, bool ReservedMayEqualTotal);
