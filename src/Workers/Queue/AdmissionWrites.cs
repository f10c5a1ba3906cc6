using Contracts.Queue;
using Npgsql;
using NpgsqlTypes;
using Workers.Data;
using static Workers.Data.PostgresBatches;
using Workers.Placement;

namespace Workers.Queue;

/// <summary>
/// What an admission pass writes, on PostgreSQL as one statement per table whatever the number of jobs admitted
/// (arrays unnested into rows), queued to go with the pass's commit (<see cref="PostgresBatches.Commit"/>); the move
/// to running too, unless the pass lacks what the callbacks need of a job and reads it back as it moves it: hundreds
/// of admitted jobs would otherwise cost thousands of single-row statements, and each statement a round trip. The
/// rows and their meaning are exactly those EF would write; SQLite, one process and small, keeps EF's way. (The claims
/// themselves go through <see cref="AllocationWriter.Write"/>, which does the same for allocations.)
/// </summary>
public static class AdmissionWrites
{
    /// <summary>
    /// Moves the admitted jobs to <c>running</c> (each with its type's expiry) and reads back what their callbacks
    /// need, in one statement and one round trip. Only jobs still queued move: a job finished or deleted since the
    /// pass read it is missing from the answer, and the pass plans again.
    /// </summary>
    public static async Task<Dictionary<long, JobRecord>> MoveToRunning(
        ServiceDb db, IReadOnlyList<(long Job, DateTime? ExpiresAt)> admitted, DateTime at, CancellationToken ct)
    {
        await using var batch = db.Batch();
        batch.BatchCommands.Add(Statement("""
            UPDATE jobs SET status = 'running', admitted_at = $3, updated_at = $3, expires_at = v.e, reason = NULL
            FROM unnest($1::bigint[], $2::timestamptz[]) AS v(i, e)
            WHERE jobs.id = v.i AND jobs.status = 'queued'
            RETURNING jobs.id, jobs.type, jobs.request_id, jobs.owner_id, jobs.project, jobs.data, jobs.callback, jobs.priority,
                      jobs.created_at, jobs.deleted_at, jobs.queued_since
            """, Values(admitted.Select(a => a.Job)),
            Instants(admitted.Select(a => a.ExpiresAt)), Instant(at)));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var moved = new Dictionary<long, JobRecord>(admitted.Count);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetInt64(0);
            moved[id] = new JobRecord
            {
                Id = id, Type = reader.GetString(1), RequestId = reader.GetString(2), OwnerId = reader.GetString(3),
                Project = reader.TextOrNull(4), Data = reader.GetString(5), Callback = reader.GetString(6),
                Priority = reader.GetInt64(7), Status = JobStatus.Running, CreatedAt = reader.GetDateTime(8),
                DeletedAt = reader.IsDBNull(9) ? null : reader.GetDateTime(9), QueuedSince = reader.GetDateTime(10),
                UpdatedAt = at, AdmittedAt = at,
            };
        }
        return moved;
    }

    /// <summary>The SQLSTATE <c>admission_jobs_moved</c> raises (M0009): a job the pass planned had left the queue.</summary>
    public const string JobsLeftTheQueue = "JQ001";

    public static bool LeftTheQueue(Exception e) => e is PostgresException { SqlState: JobsLeftTheQueue };

    /// <summary>
    /// <see cref="MoveToRunning"/> without its round trip, for a pass that already holds what the callbacks need (see
    /// <see cref="AdmissionCache.Payload"/>): queued to go with the commit, and checked there. When a job planned is no
    /// longer queued, the statement fails with <see cref="JobsLeftTheQueue"/>, the COMMIT behind it never runs, and the
    /// whole pass rolls back.
    /// </summary>
    public static void MoveToRunningWithCommit(ServiceDb db, IReadOnlyList<(long Job, DateTime? ExpiresAt)> admitted, DateTime at)
    {
        db.WriteWithCommit(Statement("""
            WITH moved AS (
                UPDATE jobs SET status = 'running', admitted_at = $3, updated_at = $3, expires_at = v.e, reason = NULL
                FROM unnest($1::bigint[], $2::timestamptz[]) AS v(i, e)
                WHERE jobs.id = v.i AND jobs.status = 'queued'
                RETURNING jobs.id)
            SELECT admission_jobs_moved(count(*), $4) FROM moved
            """, Values(admitted.Select(a => a.Job)), Instants(admitted.Select(a => a.ExpiresAt)), Instant(at),
            Value((long)admitted.Count)));
    }

    /// <summary>Where each admitted instance landed.</summary>
    public static void Hosts(ServiceDb db, IReadOnlyList<InstanceView> instances)
    {
        db.WriteWithCommit(Statement("""
            UPDATE job_instances SET host = v.h, provider_uuid = v.p
            FROM unnest($1::uuid[], $2::text[], $3::uuid[]) AS v(s, h, p) WHERE job_instances.server_uuid = v.s
            """, Values(instances.Select(i => i.ServerUuid)), Values(instances.Select(i => i.Host!)),
            Values(instances.Select(i => i.ResourceProvider!.Value))));
    }

    /// <summary>New deliveries, all of one pass: the same state, times and claim.</summary>
    public static void Deliveries(ServiceDb db, IReadOnlyList<CallbackDeliveryRecord> deliveries)
    {
        var first = deliveries[0];
        db.WriteWithCommit(Statement("""
            INSERT INTO callback_deliveries (id, job_id, event, body, state, attempts, created_at, next_attempt_at, claimed_by, claimed_until, history)
            SELECT i, j, e, b, $5, 0, $6, $7, $8, $9, '[]'
            FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[]) AS v(i, j, e, b)
            """,
            Values(deliveries.Select(d => d.Id)), Values(deliveries.Select(d => d.JobId)), Values(deliveries.Select(d => d.Event)),
            Values(deliveries.Select(d => d.Body)), Value(first.State), Instant(first.CreatedAt), Instant(first.NextAttemptAt),
            Text(first.ClaimedBy), Instant(first.ClaimedUntil)));
    }

    /// <summary>Queued jobs' reasons: one statement per distinct reason.</summary>
    public static void Reason(ServiceDb db, IReadOnlyList<long> jobs, string reason)
    {
        db.WriteWithCommit(Statement("UPDATE jobs SET reason = $1 WHERE id = ANY($2) AND status = 'queued'", Value(reason), Values(jobs)));
    }
}
