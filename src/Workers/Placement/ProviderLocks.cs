using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

/// <summary>
/// Serialises the writers of one provider for changes that may leave its generation alone (traits it already has,
/// aggregates before 1.19). A no-op UPDATE takes the same row lock as <see cref="ProviderGenerations.Bump"/>, so
/// what the command reads next is current and stays so until it commits: concurrent replacements of a provider's
/// set cannot interleave into a set neither asked for.
/// </summary>
public static class ProviderLocks
{
    /// <returns>The provider's id and generation, read under the lock; null when there is no such provider.</returns>
    public static async Task<(long Id, long Generation)?> Lock(ServiceDb db, Guid uuid, CancellationToken ct)
    {
        var provider = db.ResourceProviders.Where(x => x.Uuid == uuid);
        if (await provider.ExecuteUpdateAsync(s => s.SetProperty(x => x.Generation, x => x.Generation), ct) == 0)
            return null;
        var locked = await provider.Select(x => new { x.Id, x.Generation }).SingleAsync(ct);
        return (locked.Id, locked.Generation);
    }

    /// <summary>
    /// The same lock on several providers, taken in id order (so two commands locking overlapping sets cannot
    /// deadlock), in one round trip. The statements are plain SQL that every provider runs; the ids come from the
    /// database, not from a client.
    /// </summary>
    public static async Task Lock(ServiceDb db, IReadOnlyList<long> orderedIds, CancellationToken ct)
    {
        if (orderedIds.Count > 0)
            await db.Database.ExecuteSqlRawAsync(string.Concat(orderedIds.Select(id =>
                $"UPDATE resource_providers SET generation = generation WHERE id = {id};")), ct);
    }
}
