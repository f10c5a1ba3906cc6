using Contracts.Placement;
using Workers.Data;

namespace Workers.Placement;

/// <summary>Providers as the contracts describe them: with their parent's and root's uuids, in id order.</summary>
public static class ProviderViews
{
    public static IQueryable<ResourceProvider> Of(IQueryable<ResourceProviderRecord> providers, ServiceDb db) =>
        from rp in providers
        join root in db.ResourceProviders on rp.RootId equals root.Id
        join parent in db.ResourceProviders on rp.ParentId equals parent.Id into parents
        from parent in parents.DefaultIfEmpty()
        orderby rp.Id
        select new ResourceProvider(rp.Uuid, rp.Name, rp.Generation, parent == null ? null : parent.Uuid, root.Uuid,
            rp.CreatedAt, rp.UpdatedAt);

    public static PlacementProblem NotFound(Guid uuid) =>
        new(404, PlacementProblem.UndefinedCode, $"No resource provider with uuid {uuid} found");
}
