namespace Workers.Queue.Admission;

/// <summary>
/// Where one allocation request can go: the host (root provider) it lands in and what it claims on which provider.
/// Today every claim is on the host itself; with nested and sharing providers one candidate spans several.
/// </summary>
public sealed record Candidate(Guid HostUuid, string HostName, IReadOnlyList<ProviderResources> Allocations);
