namespace Contracts.Placement;

/// <summary>Deletes a custom trait that no provider has.</summary>
public sealed record DeleteTrait(string Name);
