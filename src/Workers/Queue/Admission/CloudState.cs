namespace Workers.Queue.Admission;

/// <summary>Every resource provider of the cloud, read in one snapshot; admission plans against nothing else.</summary>
public sealed record CloudState(IReadOnlyList<ProviderSnapshot> Providers);
