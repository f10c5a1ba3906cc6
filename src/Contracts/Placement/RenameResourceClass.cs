namespace Contracts.Placement;

/// <summary>PUT /resource_classes/{name} at 1.2 to 1.6: rename a custom class (inventories follow it).</summary>
public sealed record RenameResourceClass(string Name, string NewName);
