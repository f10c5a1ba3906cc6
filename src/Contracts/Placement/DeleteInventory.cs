namespace Contracts.Placement;

/// <summary>Removes one inventory (DELETE .../inventories/{resource_class}).</summary>
public sealed record DeleteInventory(Guid ProviderUuid, string ResourceClass);
