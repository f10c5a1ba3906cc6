using Microsoft.EntityFrameworkCore;
using Npgsql;
using Workers.Data;
using static Workers.Data.PostgresBatches;

namespace Workers.Queue;

/// <summary>
/// Gives back what a running job's instances hold: their allocations and their consumers go, as a Placement
/// <c>DELETE /allocations/{consumer}</c> of each would: under the consumers' locks, so no concurrent write to one of
/// them is left behind (the delete's trigger then locks the providers, in the writers' order, to bump their change
/// versions). On PostgreSQL the lock and the deletes are one batch (one round trip); the deletes run after the lock is
/// granted, so they see what its holder last committed.
/// </summary>
public static class JobRelease
{
    /// <summary>The lock of a job's instances' consumers; <paramref name="job"/> is the SQL of the job's id.</summary>
    static string LockConsumersOf(string job) => $"""
        SELECT uuid FROM consumers WHERE uuid IN (SELECT server_uuid FROM job_instances WHERE job_id = {job})
        ORDER BY uuid FOR NO KEY UPDATE
        """;

    /// <summary>The deletes of what a job's instances hold, answering the providers freed.</summary>
    static string DeleteAllocationsOf(string job) => $"""
        WITH servers AS (SELECT server_uuid FROM job_instances WHERE job_id = {job}),
             freed AS (DELETE FROM allocations WHERE consumer_uuid IN (SELECT server_uuid FROM servers) RETURNING resource_provider_id),
             consumers AS (DELETE FROM consumers WHERE uuid IN (SELECT server_uuid FROM servers))
        SELECT uuid FROM resource_providers WHERE id IN (SELECT resource_provider_id FROM freed)
        """;

    static readonly string LockConsumers = LockConsumersOf("$1");
    static readonly string DeleteAllocations = DeleteAllocationsOf("$1");

    // A job by its key as the finish request names it: its type ($1), its request id ($2), and its owner when the
    // caller is scoped to one ($3). The key is unique, so every statement of a batch means the same job.
    const string ByKey = "type = $1 AND request_id = $2 AND ($3::text IS NULL OR owner_id = $3)";
    const string FindByKey = $"SELECT status FROM jobs WHERE {ByKey} AND status <> 'deleted'";
    const string RunningByKey = $"(SELECT id FROM jobs WHERE {ByKey} AND status = 'running')";
    static readonly string LockRunningConsumers = LockConsumersOf(RunningByKey);
    static readonly string DeleteRunningAllocations = DeleteAllocationsOf(RunningByKey);
    const string MarkDoneByKey = $"""
        UPDATE jobs SET status = 'done', updated_at = $4, expires_at = NULL WHERE {ByKey} AND status = 'running' RETURNING id
        """;

    /// <returns>The providers that got capacity back, for the <c>CapacityFreed</c> nudge after the commit.</returns>
    public static async Task<List<Guid>> Release(ServiceDb db, long jobId, CancellationToken ct)
    {
        if (db.Database.IsNpgsql())
            return await ReleaseOnPostgres(db, jobId, ct);
        // SQLite: one writer at a time, so no lock.
        var servers = await db.JobInstances.Where(i => i.JobId == jobId).Select(i => i.ServerUuid).ToListAsync(ct);
        var providerIds = await db.Allocations.Where(a => servers.Contains(a.ConsumerUuid))
            .Select(a => a.ResourceProviderId).Distinct().ToListAsync(ct);
        var freed = await db.ResourceProviders.Where(p => providerIds.Contains(p.Id)).Select(p => p.Uuid).ToListAsync(ct);
        await db.Allocations.Where(a => servers.Contains(a.ConsumerUuid)).ExecuteDeleteAsync(ct);
        await db.Consumers.Where(c => servers.Contains(c.Uuid)).ExecuteDeleteAsync(ct);
        return freed;
    }

    /// <summary>
    /// A running job done, the portable way (SQLite; PostgreSQL finishes with <see cref="FinishByKey"/>): what it holds
    /// given back (<see cref="Release"/>) and the job marked done, in the caller's transaction; EF's check of the status
    /// token fails the save when the job changed meanwhile.
    /// </summary>
    /// <param name="job">The job as read in this transaction, running.</param>
    /// <returns>The providers that got capacity back.</returns>
    public static async Task<List<Guid>> Finish(ServiceDb db, JobRecord job, DateTime now, CancellationToken ct)
    {
        var released = await Release(db, job.Id, ct);
        (job.Status, job.UpdatedAt, job.ExpiresAt) = (JobStatus.Done, now, null);
        return released;
    }

    /// <summary>
    /// A finish on PostgreSQL in one round trip, from the job's key alone: the job's status read, and, when it is
    /// running, its instances' consumers locked, what they hold given back and the job moved to done. Each statement
    /// after the read checks again that the job is running, so a job that is not leaves everything as it was. The
    /// read and the move see the same job in the same state, or the batch throws
    /// <see cref="DbUpdateConcurrencyException"/> (the job changed between them: the caller's transaction rolls back,
    /// and its next attempt reads again).
    /// </summary>
    /// <returns>The status the job had (null when there is no such job for this caller), and the providers freed.</returns>
    public static async Task<(string? Status, List<Guid> Freed)> FinishByKey(
        ServiceDb db, string type, string requestId, string? ownerScope, DateTime now, CancellationToken ct)
    {
        NpgsqlParameter[] Key() => [Value(type), Value(requestId), Text(ownerScope)];
        await using var batch = db.Batch();
        batch.BatchCommands.Add(Statement(FindByKey, Key()));
        batch.BatchCommands.Add(Statement(LockRunningConsumers, Key()));
        batch.BatchCommands.Add(Statement(DeleteRunningAllocations, Key()));
        batch.BatchCommands.Add(Statement(MarkDoneByKey, [.. Key(), Instant(now)]));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var status = await reader.ReadAsync(ct) ? reader.GetString(0) : null;
        await reader.NextResultAsync(ct);
        await reader.NextResultAsync(ct);
        var freed = new List<Guid>();
        while (await reader.ReadAsync(ct))
            freed.Add(reader.GetGuid(0));
        await reader.NextResultAsync(ct);
        var moved = await reader.ReadAsync(ct);
        if (moved != (status == JobStatus.Running) || (!moved && freed.Count > 0))
            throw new DbUpdateConcurrencyException($"Job '{requestId}' of '{type}' changed while it was being finished.");
        return (status, moved ? freed : []);
    }

    /// <summary>The lock and the deletes as one batch.</summary>
    static async Task<List<Guid>> ReleaseOnPostgres(ServiceDb db, long jobId, CancellationToken ct)
    {
        await using var batch = db.Batch();
        batch.BatchCommands.Add(Statement(LockConsumers, Value(jobId)));
        batch.BatchCommands.Add(Statement(DeleteAllocations, Value(jobId)));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct);
        var freed = new List<Guid>();
        while (await reader.ReadAsync(ct))
            freed.Add(reader.GetGuid(0));
        return freed;
    }
}
