namespace Contracts.Queue;

/// <summary>
/// POST /v1/{type}/{request_id}: exactly one of a new priority, a position (<c>front</c>/<c>back</c>), a neighbour to
/// go after or before, or a status (<c>done</c>).
/// </summary>
/// <param name="OwnerScope">The caller's project, or null for an admin.</param>
public sealed record ChangeJob(
    string Type, string RequestId, string? OwnerScope, long? Priority, string? Position, string? After, string? Before, string? Status);
