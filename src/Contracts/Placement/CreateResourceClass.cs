namespace Contracts.Placement;

/// <summary>POST /resource_classes: a new custom class; 409 if it exists.</summary>
public sealed record CreateResourceClass(string Name);
