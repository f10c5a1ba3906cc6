using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

/// <summary>
/// A provider's generation moves with every change to what it offers. The bump is one conditional UPDATE and the
/// first write of its transaction: it takes the provider's row lock, so writers of one provider queue behind each
/// other instead of failing, and a client's stale generation shows as no row updated.
/// </summary>
public static class ProviderGenerations
{
    /// <returns>The new generation, or null when <paramref name="expected"/> is no longer the provider's generation.</returns>
    public static async Task<long?> Bump(ServiceDb db, long providerId, long? expected, CancellationToken ct)
    {
        var provider = db.ResourceProviders.Where(x => x.Id == providerId);
        if (expected is { } generation)
            provider = provider.Where(x => x.Generation == generation);
        if (await provider.ExecuteUpdateAsync(s => s.SetProperty(x => x.Generation, x => x.Generation + 1), ct) == 0)
            return null;
        return await db.ResourceProviders.Where(x => x.Id == providerId).Select(x => x.Generation).SingleAsync(ct);
    }

    /// <summary>Moves several providers' generations (id and by how much) in one round trip, in id order.</summary>
    public static async Task Increment(ServiceDb db, IReadOnlyDictionary<long, int> bumps, CancellationToken ct)
    {
        if (bumps.Count > 0)
            await db.Database.ExecuteSqlRawAsync(string.Concat(bumps.OrderBy(b => b.Key).Select(b =>
                $"UPDATE resource_providers SET generation = generation + {b.Value} WHERE id = {b.Key};")), ct);
    }
}
