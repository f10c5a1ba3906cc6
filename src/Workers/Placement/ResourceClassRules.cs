using Contracts.Placement;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

/// <summary>What the resource class consumers share: lookups and Placement's answers about classes.</summary>
public static class ResourceClassRules
{
    public static ResourceClass ToContract(ResourceClassRecord record) => new(record.Name, record.CreatedAt, record.UpdatedAt);

    public static bool IsStandard(ResourceClassRecord record) => record.Id < StandardNames.FirstCustomResourceClassId;

    public static Task<ResourceClassRecord?> Find(ServiceDb db, string name, CancellationToken ct) =>
        db.ResourceClasses.SingleOrDefaultAsync(x => x.Name == name, ct);

    /// <summary>Placement's class lookup failing, raised past its handlers (no Vary).</summary>
    public static PlacementProblem NotFound(string name) =>
        new(404, PlacementProblem.UndefinedCode, $"No such resource class {name}.", WithoutVary: true);

    /// <summary>Custom ids continue from the largest, starting at 10000; a concurrent create taking the same id
    /// meets the primary key and the inbox runs the command again.</summary>
    public static async Task<ResourceClassRecord> Add(ServiceDb db, string name, DateTime now, CancellationToken ct)
    {
        var max = await db.ResourceClasses.MaxAsync(x => (int?)x.Id, ct) ?? 0;
        var record = new ResourceClassRecord { Id = Math.Max(max + 1, StandardNames.FirstCustomResourceClassId), Name = name, CreatedAt = now };
        db.ResourceClasses.Add(record);
        await db.SaveChangesAsync(ct);
        return record;
    }
}
