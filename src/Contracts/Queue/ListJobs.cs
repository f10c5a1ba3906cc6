namespace Contracts.Queue;

/// <summary>GET /v1/{type}/: the type's jobs in queue order, after <paramref name="Marker"/> (a request id).</summary>
/// <param name="OwnerScope">The caller's project, or null for an admin.</param>
public sealed record ListJobs(string Type, string? OwnerScope, string? OwnerId, string? Status, int Limit, string? Marker);
