namespace Contracts.Queue;

/// <summary>GET /v1/: every type that has jobs, with its job counts by status.</summary>
/// <param name="OwnerScope">The caller's project, or null for an admin.</param>
public sealed record ListQueueTypes(string? OwnerScope);
