namespace Workers.Queue.Admission;

/// <summary>The amounts one allocation claims on one provider, by resource class name.</summary>
public sealed record ProviderResources(Guid ProviderUuid, IReadOnlyDictionary<string, long> Resources);
