namespace Contracts.Placement;

/// <param name="SetsParent">Whether the request named a parent at all (from 1.14); null then means "no parent".</param>
/// <param name="AllowReparenting">Microversion 1.37 and later: a parent may change or be removed.</param>
public sealed record UpdateResourceProvider(Guid Uuid, string Name, bool SetsParent, Guid? ParentUuid, bool AllowReparenting);
