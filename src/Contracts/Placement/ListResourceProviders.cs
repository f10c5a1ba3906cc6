namespace Contracts.Placement;

/// <summary>Lists providers; every filter given must match.</summary>
public sealed record ListResourceProviders(string? Name, Guid? Uuid, Guid? InTree);
