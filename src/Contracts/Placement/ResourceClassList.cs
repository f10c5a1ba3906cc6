namespace Contracts.Placement;

/// <summary>Standard classes first, in their standard order, then custom ones in creation order.</summary>
public sealed record ResourceClassList(IReadOnlyList<ResourceClass> ResourceClasses);
