using Microsoft.EntityFrameworkCore;
using Npgsql;
using Workers.Data;
using static Workers.Data.PostgresBatches;

namespace Workers.Queue;

/// <summary>
/// Gives back what a running job's instances hold: their allocations and their consumers go, as a Placement
/// <c>DELETE /allocations/{consumer}</c> of each would: under the consumers' locks, so no concurrent write to one of
/// them is left behind; freeing capacity cannot overcommit, so no provider lock. On PostgreSQL the lock and the
/// deletes are one batch (one round trip); the deletes run after the lock is granted, so they see what its holder
/// last committed.
/// </summary>
public static class JobRelease
{
    const string LockConsumers = """
        SELECT uuid FROM consumers WHERE uuid IN (SELECT server_uuid FROM job_instances WHERE job_id = $1)
        ORDER BY uuid FOR NO KEY UPDATE
        """;

    const string DeleteAllocations = """
        WITH servers AS (SELECT server_uuid FROM job_instances WHERE job_id = $1),
             freed AS (DELETE FROM allocations WHERE consumer_uuid IN (SELECT server_uuid FROM servers) RETURNING resource_provider_id),
             consumers AS (DELETE FROM consumers WHERE uuid IN (SELECT server_uuid FROM servers))
        SELECT uuid FROM resource_providers WHERE id IN (SELECT resource_provider_id FROM freed)
        """;

    /// <returns>The providers that got capacity back, for the <c>CapacityFreed</c> nudge after the commit.</returns>
    public static async Task<List<Guid>> Release(ServiceDb db, long jobId, CancellationToken ct)
    {
        if (db.Database.IsNpgsql())
            return await ReleaseOnPostgres(db, jobId, null, ct);
        // SQLite: one writer at a time, so no lock.
        var servers = await db.JobInstances.Where(i => i.JobId == jobId).Select(i => i.ServerUuid).ToListAsync(ct);
        var providerIds = await db.Allocations.Where(a => servers.Contains(a.ConsumerUuid))
            .Select(a => a.ResourceProviderId).Distinct().ToListAsync(ct);
        var freed = await db.ResourceProviders.Where(p => providerIds.Contains(p.Id)).Select(p => p.Uuid).ToListAsync(ct);
        await db.Allocations.Where(a => servers.Contains(a.ConsumerUuid)).ExecuteDeleteAsync(ct);
        await db.Consumers.Where(c => servers.Contains(c.Uuid)).ExecuteDeleteAsync(ct);
        return freed;
    }

    const string MarkDone = """
        UPDATE jobs SET status = 'done', updated_at = $2, expires_at = NULL WHERE id = $1 AND status = 'running' RETURNING id
        """;

    /// <summary>
    /// A running job done: what it holds given back (<see cref="Release"/>) and the job marked done, in the caller's
    /// transaction. On PostgreSQL the lock, the deletes and the job's move are one batch. A job that is no longer
    /// running when the move is written (finished or deleted meanwhile) fails the move with
    /// <see cref="DbUpdateConcurrencyException"/>, as EF's check of the status token does on the other providers.
    /// </summary>
    /// <param name="job">The job as read in this transaction, running.</param>
    /// <returns>The providers that got capacity back.</returns>
    public static async Task<List<Guid>> Finish(ServiceDb db, JobRecord job, DateTime now, CancellationToken ct)
    {
        if (db.Database.IsNpgsql())
            return await ReleaseOnPostgres(db, job.Id, now, ct);
        var released = await Release(db, job.Id, ct);
        (job.Status, job.UpdatedAt, job.ExpiresAt) = (JobStatus.Done, now, null);
        return released;
    }

    /// <summary>The lock and the deletes as one batch, and with <paramref name="doneAt"/> the job's move to done.</summary>
    static async Task<List<Guid>> ReleaseOnPostgres(ServiceDb db, long jobId, DateTime? doneAt, CancellationToken ct)
    {
        await using var batch = db.Batch();
        batch.BatchCommands.Add(new(LockConsumers) { Parameters = { new() { Value = jobId } } });
        batch.BatchCommands.Add(new(DeleteAllocations) { Parameters = { new() { Value = jobId } } });
        if (doneAt is { } at)
            batch.BatchCommands.Add(Statement(MarkDone, Value(jobId), Instant(at)));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct);
        var freed = new List<Guid>();
        while (await reader.ReadAsync(ct))
            freed.Add(reader.GetGuid(0));
        if (doneAt is not null && !(await reader.NextResultAsync(ct) && await reader.ReadAsync(ct)))
            throw new DbUpdateConcurrencyException($"Job {jobId} is no longer running.");
        return freed;
    }
}
