namespace Contracts.Queue;

/// <summary>DELETE /v1/{type}/{request_id}: cancel a queued job or release a running one.</summary>
/// <param name="OwnerScope">The caller's project, or null for an admin.</param>
public sealed record DeleteJob(string Type, string RequestId, string? OwnerScope);
