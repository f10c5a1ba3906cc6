namespace Contracts.Queue;

/// <summary>GET /v1/{type}/{request_id}. <paramref name="OwnerScope"/>: the caller's project, or null for an admin.</summary>
public sealed record GetJob(string Type, string RequestId, string? OwnerScope);
