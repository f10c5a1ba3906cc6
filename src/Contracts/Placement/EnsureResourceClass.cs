namespace Contracts.Placement;

/// <summary>PUT /resource_classes/{name} from 1.7: create the custom class unless it exists.</summary>
public sealed record EnsureResourceClass(string Name);
