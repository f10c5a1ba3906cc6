namespace Contracts.Placement;

/// <param name="SetsParent">Whether the request named a parent at all (from 1.14); null then means "no parent".</param>
/// <param name="ParentUuid">As the client wrote it, matched against stored uuids as a string (as Placement does).</param>
/// <param name="AllowReparenting">Microversion 1.37 and later: a parent may change or be removed.</param>
public sealed record UpdateResourceProvider(Guid Uuid, string Name, bool SetsParent, string? ParentUuid, bool AllowReparenting);
