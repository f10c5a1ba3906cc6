namespace Contracts.Placement;

/// <param name="ProviderUuid">As the client wrote it; Placement matches stored uuids as strings.</param>
/// <param name="Resources">Resource class and amount, in the order given.</param>
public sealed record ProviderAllocation(string ProviderUuid, IReadOnlyList<ResourceAmount> Resources);
