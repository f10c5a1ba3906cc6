using Contracts.Placement;
using Microsoft.EntityFrameworkCore;
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

    /// <summary>The provider whose stored uuid is exactly this string (lower case, dashed), as Placement compares them.</summary>
    public static async Task<ResourceProviderRecord?> FindByStoredUuid(ServiceDb db, string uuid, CancellationToken ct) =>
        Guid.TryParseExact(uuid, "D", out var parsed) && parsed.ToString("D") == uuid
            ? await db.ResourceProviders.SingleOrDefaultAsync(x => x.Uuid == parsed, ct)
            : null;

    /// <summary>The 404 of Placement's provider lookup, which it raises past its handlers.</summary>
    public static PlacementProblem NotFound(Guid uuid) => PlacementProblem.ProviderNotFound(uuid.ToString());
}
