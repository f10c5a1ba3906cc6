namespace Contracts.Placement;

/// <summary>
/// Lists providers; every filter given must match (Placement's GET /resource_providers).
/// </summary>
/// <param name="Uuid">As the client wrote it: Placement compares it with stored (canonical) uuids as a string.</param>
/// <param name="InTree">Likewise; an unknown tree lists nothing.</param>
/// <param name="MemberOf">Aggregate uuids: each inner list is any-of, the lists together all-of (1.3, repeated 1.24).</param>
/// <param name="ForbiddenAggregates">Providers in any of these are left out (1.32).</param>
/// <param name="Resources">Resource class and amount the provider must have room for, each on its own (1.4).</param>
/// <param name="RequiredTraits">Each inner list is any-of, the lists together all-of (1.18, any-of 1.39).</param>
/// <param name="ForbiddenTraits">Providers with any of these are left out (1.22).</param>
public sealed record ListResourceProviders(
    string? Name,
    string? Uuid,
    string? InTree,
    IReadOnlyList<IReadOnlyList<string>>? MemberOf = null,
    IReadOnlyList<string>? ForbiddenAggregates = null,
    IReadOnlyList<ResourceAmount>? Resources = null,
    IReadOnlyList<IReadOnlyList<string>>? RequiredTraits = null,
    IReadOnlyList<string>? ForbiddenTraits = null);
