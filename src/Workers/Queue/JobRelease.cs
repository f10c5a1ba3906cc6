using Contracts.Queue;
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

    // Several finishes lock, before any of them runs, every consumer of the jobs they name and then every provider
    // those consumers hold, each set in the writers' order (consumers by uuid, providers by id). Finish by finish, the
    // locks would be taken in the batch's order: two batches, or a batch and an admission pass, could then each hold a
    // provider the other waits for.
    const string ServersOfKeys = """
        SELECT i.server_uuid FROM job_instances i JOIN jobs j ON j.id = i.job_id
        WHERE (j.type, j.request_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))
        """;
    const string LockConsumersOfKeys = $"SELECT uuid FROM consumers WHERE uuid IN ({ServersOfKeys}) ORDER BY uuid FOR NO KEY UPDATE";
    const string LockProvidersOfKeys = $"""
        SELECT 1 FROM resource_providers
        WHERE id = ANY(ARRAY(SELECT resource_provider_id FROM allocations WHERE consumer_uuid IN ({ServersOfKeys})))
        ORDER BY id FOR NO KEY UPDATE
        """;
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
    /// Finishes (a change to status <c>done</c>), in order, in the caller's transaction: each running job's instances
    /// give back what they hold and the job becomes done. A job that is done already is answered as finished (a finish
    /// retried after a 503 whose first try was applied); no such job, or one not running, is refused and left as it
    /// was. On PostgreSQL every finish goes in one round trip (<see cref="FinishByKey"/>); SQLite reads each job first.
    /// </summary>
    /// <returns>For each finish, its problem or null, and the providers that got capacity back.</returns>
    public static async Task<List<(QueueProblem? Problem, List<Guid> Freed)>> Finish(
        ServiceDb db, IReadOnlyList<ChangeJob> finishes, DateTime now, CancellationToken ct)
    {
        var done = db.Database.IsNpgsql() ? await FinishByKey(db, finishes, now, ct) : await FinishOneByOne(db, finishes, now, ct);
        return done.Zip(finishes, (finished, finish) => finished.Status switch
        {
            null => (QueueProblem.NotFound(finish.Type, finish.RequestId), []),
            JobStatus.Running or JobStatus.Done => ((QueueProblem?)null, finished.Freed),
            var was => (NotRunning(finish.RequestId, was), []),
        }).ToList();
    }

    /// <summary>
    /// <see cref="FinishByKey"/> the portable way (SQLite, one writer at a time, so no lock): each job read, and when
    /// running, released and marked done; EF's check of the status token fails the save when the job changed meanwhile.
    /// </summary>
    static async Task<List<(string? Status, List<Guid> Freed)>> FinishOneByOne(
        ServiceDb db, IReadOnlyList<ChangeJob> finishes, DateTime now, CancellationToken ct)
    {
        var results = new List<(string?, List<Guid>)>(finishes.Count);
        foreach (var finish in finishes)
        {
            var job = await JobViews.Find(db, finish.Type, finish.RequestId, finish.OwnerScope, withDeleted: false, ct);
            if (job?.Status != JobStatus.Running)
            {
                results.Add((job?.Status, []));
                continue;
            }
            var released = await Release(db, job.Id, ct);
            (job.Status, job.UpdatedAt, job.ExpiresAt) = (JobStatus.Done, now, null);
            results.Add((JobStatus.Running, released));
        }
        return results;
    }

    public static QueueProblem NotRunning(string requestId, string status) =>
        new(409, "invalid_transition", $"job '{requestId}' is {status}; only a running job can become done");

    /// <summary>
    /// Finishes on PostgreSQL in one round trip, from the jobs' keys alone: for each, the job's status read, and, when
    /// it is running, its instances' consumers locked, what they hold given back and the job moved to done. Each
    /// statement after the read checks again that the job is running, so a job that is not leaves everything as it
    /// was; a later finish of the batch sees what the earlier ones did. The read and the move see the same job in the
    /// same state, or the batch throws <see cref="DbUpdateConcurrencyException"/> (the job changed between them: the
    /// caller's transaction rolls back, and its next attempt reads again).
    /// </summary>
    /// <returns>For each finish, the status the job had (null when there is no such job for its caller), and the
    /// providers freed.</returns>
    static async Task<List<(string? Status, List<Guid> Freed)>> FinishByKey(
        ServiceDb db, IReadOnlyList<ChangeJob> finishes, DateTime now, CancellationToken ct)
    {
        await using var batch = db.Batch();
        var lockedFirst = finishes.Count > 1;
        if (lockedFirst)
        {
            NpgsqlParameter[] Keys() => [Values(finishes.Select(f => f.Type)), Values(finishes.Select(f => f.RequestId))];
            batch.BatchCommands.Add(Statement(LockConsumersOfKeys, Keys()));
            batch.BatchCommands.Add(Statement(LockProvidersOfKeys, Keys()));
        }
        foreach (var finish in finishes)
        {
            NpgsqlParameter[] Key() => [Value(finish.Type), Value(finish.RequestId), Text(finish.OwnerScope)];
            batch.BatchCommands.Add(Statement(FindByKey, Key()));
            batch.BatchCommands.Add(Statement(LockRunningConsumers, Key()));
            batch.BatchCommands.Add(Statement(DeleteRunningAllocations, Key()));
            batch.BatchCommands.Add(Statement(MarkDoneByKey, [.. Key(), Instant(now)]));
        }
        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (lockedFirst)
        {
            await reader.NextResultAsync(ct);
            await reader.NextResultAsync(ct);
        }
        var results = new List<(string?, List<Guid>)>(finishes.Count);
        foreach (var finish in finishes)
        {
            if (results.Count > 0)
                await reader.NextResultAsync(ct);
            var status = await reader.ReadAsync(ct) ? reader.GetString(0) : null;
            await reader.NextResultAsync(ct);
            await reader.NextResultAsync(ct);
            var freed = new List<Guid>();
            while (await reader.ReadAsync(ct))
                freed.Add(reader.GetGuid(0));
            await reader.NextResultAsync(ct);
            var moved = await reader.ReadAsync(ct);
            if (moved != (status == JobStatus.Running) || (!moved && freed.Count > 0))
                throw new DbUpdateConcurrencyException($"Job '{finish.RequestId}' of '{finish.Type}' changed while it was being finished.");
            results.Add((status, moved ? freed : []));
        }
        return results;
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
