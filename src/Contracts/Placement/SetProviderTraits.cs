namespace Contracts.Placement;

/// <summary>Replaces a provider's traits (PUT .../traits); an empty list removes them all (DELETE .../traits).</summary>
/// <param name="Generation">The provider generation the client saw; null skips the check (DELETE .../traits).</param>
public sealed record SetProviderTraits(Guid ProviderUuid, long? Generation, IReadOnlyList<string> Traits);
