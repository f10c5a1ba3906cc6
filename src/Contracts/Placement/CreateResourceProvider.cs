namespace Contracts.Placement;

/// <param name="ParentUuid">As the client wrote it: Placement matches it against the stored (canonical) uuids as a
/// string, so another spelling of an existing uuid names no provider.</param>
public sealed record CreateResourceProvider(Guid Uuid, string Name, string? ParentUuid);
