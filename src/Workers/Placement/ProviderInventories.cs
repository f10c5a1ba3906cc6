using Contracts.Placement;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

/// <summary>What the inventory consumers share: reading a provider's inventories, resolving class names, and
/// Placement's capacity rule.</summary>
public static class ProviderInventories
{
    public static async Task<List<(InventoryRecord Record, string ResourceClass)>> Of(ServiceDb db, long providerId, CancellationToken ct) =>
        (await (from inventory in db.Inventories
                join rc in db.ResourceClasses on inventory.ResourceClassId equals rc.Id
                where inventory.ResourceProviderId == providerId
                orderby inventory.Id
                select new { inventory, rc.Name }).ToListAsync(ct))
            .Select(x => (x.inventory, x.Name)).ToList();

    public static Inventory ToContract(InventoryRecord record, string resourceClass) => new(resourceClass,
        record.Total, record.Reserved, record.MinUnit, record.MaxUnit, record.StepSize, record.AllocationRatio);

    public static DateTime? LastModified(IEnumerable<(InventoryRecord Record, string ResourceClass)> inventories) =>
        inventories.Select(x => x.Record.UpdatedAt ?? x.Record.CreatedAt).Cast<DateTime?>().Max();

    /// <summary>Resource class ids by name, for the names that exist.</summary>
    public static async Task<Dictionary<string, int>> ClassIds(ServiceDb db, IEnumerable<string> names, CancellationToken ct)
    {
        var wanted = names.Distinct().ToList();
        return await db.ResourceClasses.Where(x => wanted.Contains(x.Name)).ToDictionaryAsync(x => x.Name, x => x.Id, ct);
    }

    /// <summary>
    /// Placement refuses an inventory with nothing to allocate: capacity, (total - reserved) * ratio, must be above
    /// zero, or from 1.26 at least zero (reserved may equal total).
    /// </summary>
    public static string? CapacityProblem(IEnumerable<Inventory> inventories, Guid provider, bool reservedMayEqualTotal)
    {
        foreach (var inventory in inventories)
        {
            var capacity = (long)((inventory.Total - (long)inventory.Reserved) * inventory.AllocationRatio);
            if (reservedMayEqualTotal ? capacity < 0 : capacity <= 0)
                return $"Invalid inventory for '{inventory.ResourceClass}' on resource provider '{provider}'. " +
                    (reservedMayEqualTotal ? "The reserved value is greater than total." : "The reserved value is greater than or equal to total.");
        }
        return null;
    }

    public static void CopyValues(Inventory from, InventoryRecord to)
    {
        to.Total = from.Total;
        to.Reserved = from.Reserved;
        to.MinUnit = from.MinUnit;
        to.MaxUnit = from.MaxUnit;
        to.StepSize = from.StepSize;
        to.AllocationRatio = from.AllocationRatio;
    }

    /// <summary>Resource classes among <paramref name="classIds"/> that have allocations on the provider.</summary>
    public static async Task<List<string>> InUse(ServiceDb db, long providerId, IReadOnlyCollection<int> classIds, CancellationToken ct) =>
        await (from rc in db.ResourceClasses
               where classIds.Contains(rc.Id) && db.Allocations.Any(a => a.ResourceProviderId == providerId && a.ResourceClassId == rc.Id)
               orderby rc.Id
               select rc.Name).ToListAsync(ct);

    /// <summary>
    /// Makes the provider's inventories exactly <paramref name="inventories"/>: classes not listed are removed unless
    /// allocations stand on them, new ones added, the rest updated. The caller holds the provider's lock.
    /// </summary>
    /// <returns>The classes in use that would have been removed (nothing is written then), or none.</returns>
    public static async Task<List<string>> Replace(ServiceDb db, long providerId, IReadOnlyList<Inventory> inventories,
        IReadOnlyDictionary<string, int> classIds, DateTime now, CancellationToken ct)
    {
        var existing = await db.Inventories.Where(x => x.ResourceProviderId == providerId).ToListAsync(ct);
        var kept = inventories.Select(i => classIds[i.ResourceClass]).ToHashSet();
        var removed = existing.Where(x => !kept.Contains(x.ResourceClassId)).ToList();
        if (await InUse(db, providerId, removed.Select(x => x.ResourceClassId).ToList(), ct) is { Count: > 0 } inUse)
            return inUse;

        db.Inventories.RemoveRange(removed);
        foreach (var inventory in inventories)
        {
            var record = existing.FirstOrDefault(x => x.ResourceClassId == classIds[inventory.ResourceClass]);
            if (record is null)
            {
                record = new InventoryRecord { ResourceProviderId = providerId, ResourceClassId = classIds[inventory.ResourceClass], CreatedAt = now };
                db.Inventories.Add(record);
            }
            else
            {
                record.UpdatedAt = now;
            }
            CopyValues(inventory, record);
        }
        await db.SaveChangesAsync(ct);
        return [];
    }

    public static PlacementProblem Problem(int status, string detail, string code = PlacementProblem.UndefinedCode) => new(status, code, detail);
}
