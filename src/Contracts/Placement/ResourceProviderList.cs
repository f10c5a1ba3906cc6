namespace Contracts.Placement;

public sealed record ResourceProviderList(IReadOnlyList<ResourceProvider> Providers);
