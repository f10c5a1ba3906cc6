using Microsoft.EntityFrameworkCore;
using Workers.Data;
using Workers.Placement;

namespace Workers.Queue;

/// <summary>
/// Gives back what a running job's instances hold: their allocations and their consumers go, as a Placement
/// <c>DELETE /allocations/{consumer}</c> of each would: under the consumers' locks, so no concurrent write to one of
/// them is left behind; freeing capacity cannot overcommit, so no provider lock.
/// </summary>
public static class JobRelease
{
    /// <returns>The providers that got capacity back, for the <c>CapacityFreed</c> nudge after the commit.</returns>
    public static async Task<List<Guid>> Release(ServiceDb db, long jobId, CancellationToken ct)
    {
        var servers = await db.JobInstances.Where(i => i.JobId == jobId).Select(i => i.ServerUuid).ToListAsync(ct);
        await ConsumerLocks.Lock(db, servers, ct);
        var providerIds = await db.Allocations.Where(a => servers.Contains(a.ConsumerUuid))
            .Select(a => a.ResourceProviderId).Distinct().ToListAsync(ct);
        var freed = await db.ResourceProviders.Where(p => providerIds.Contains(p.Id)).Select(p => p.Uuid).ToListAsync(ct);
        await db.Allocations.Where(a => servers.Contains(a.ConsumerUuid)).ExecuteDeleteAsync(ct);
        await db.Consumers.Where(c => servers.Contains(c.Uuid)).ExecuteDeleteAsync(ct);
        return freed;
    }
}
