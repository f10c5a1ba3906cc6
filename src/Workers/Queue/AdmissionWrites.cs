using Npgsql;
using NpgsqlTypes;
using Workers.Data;
using static Workers.Data.PostgresBatches;
using Workers.Placement;

namespace Workers.Queue;

/// <summary>
/// What an admission pass writes, on PostgreSQL as one statement per table whatever the number of jobs admitted
/// (arrays unnested into rows), queued to go with the pass's commit (<see cref="PostgresBatches.Commit"/>): hundreds
/// of admitted jobs would otherwise cost thousands of single-row statements, and each statement a round trip. The
/// rows and their meaning are exactly those EF would write; SQLite, one process and small, keeps EF's way. (The claims
/// themselves go through <see cref="AllocationWriter.Write"/>, which does the same for allocations.)
/// </summary>
public static class AdmissionWrites
{
    /// <summary>Where each admitted instance landed.</summary>
    public static void Hosts(ServiceDb db, IReadOnlyList<JobInstanceRecord> instances)
    {
        db.WriteWithCommit(Statement("""
            UPDATE job_instances SET host = v.h, provider_uuid = v.p
            FROM unnest($1::uuid[], $2::text[], $3::uuid[]) AS v(s, h, p) WHERE job_instances.server_uuid = v.s
            """, Values(instances.Select(i => i.ServerUuid)), Values(instances.Select(i => i.Host!)),
            Values(instances.Select(i => i.ProviderUuid!.Value))));
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
            new NpgsqlParameter { Value = (object?)first.ClaimedBy ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text }, Instant(first.ClaimedUntil)));
    }

    /// <summary>Queued jobs' reasons: one statement per distinct reason.</summary>
    public static void Reason(ServiceDb db, IReadOnlyList<long> jobs, string reason)
    {
        db.WriteWithCommit(Statement("UPDATE jobs SET reason = $1 WHERE id = ANY($2) AND status = 'queued'", Value(reason), Values(jobs)));
    }
}
