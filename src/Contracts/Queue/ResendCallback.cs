namespace Contracts.Queue;

/// <summary>POST /v1/{type}/{request_id}/callback: send the job's last callback event again, as a new delivery.</summary>
/// <param name="OwnerScope">The caller's project, or null for an admin.</param>
public sealed record ResendCallback(string Type, string RequestId, string? OwnerScope);
