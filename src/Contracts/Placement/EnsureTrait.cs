namespace Contracts.Placement;

/// <summary>Creates a custom trait unless it exists (PUT /traits/{name}); the Api has checked the name.</summary>
public sealed record EnsureTrait(string Name);
