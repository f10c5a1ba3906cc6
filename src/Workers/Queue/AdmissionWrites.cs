using Microsoft.EntityFrameworkCore;
using Workers.Data;
using Workers.Placement;

namespace Workers.Queue;

/// <summary>
/// What an admission pass writes, on PostgreSQL as one statement per table whatever the number of jobs admitted
/// (arrays unnested into rows): hundreds of admitted jobs would otherwise cost thousands of single-row statements.
/// The rows and their meaning are exactly those EF would write; SQLite, one process and small, keeps EF's way. (The
/// claims themselves go through <see cref="AllocationWriter.Write"/>, which does the same for allocations.)
/// </summary>
public static class AdmissionWrites
{
    /// <summary>Where each admitted instance landed.</summary>
    public static async Task Hosts(ServiceDb db, IReadOnlyList<JobInstanceRecord> instances, CancellationToken ct)
    {
        var servers = instances.Select(i => i.ServerUuid).ToArray();
        var hosts = instances.Select(i => i.Host!).ToArray();
        var providers = instances.Select(i => i.ProviderUuid!.Value).ToArray();
        await db.Database.ExecuteSqlAsync($"""
            UPDATE job_instances SET host = v.h, provider_uuid = v.p
            FROM unnest({servers}, {hosts}, {providers}) AS v(s, h, p) WHERE job_instances.server_uuid = v.s
            """, ct);
    }

    /// <summary>New deliveries.</summary>
    public static async Task Deliveries(ServiceDb db, IReadOnlyList<CallbackDeliveryRecord> deliveries, CancellationToken ct)
    {
        var first = deliveries[0];
        var ids = deliveries.Select(d => d.Id).ToArray();
        var jobs = deliveries.Select(d => d.JobId).ToArray();
        var events = deliveries.Select(d => d.Event).ToArray();
        var bodies = deliveries.Select(d => d.Body).ToArray();
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO callback_deliveries (id, job_id, event, body, state, attempts, created_at, next_attempt_at, claimed_by, claimed_until, history)
            SELECT i, j, e, b, {first.State}, 0, {first.CreatedAt}, {first.NextAttemptAt}, {first.ClaimedBy}, {first.ClaimedUntil}, '[]'
            FROM unnest({ids}, {jobs}, {events}, {bodies}) AS v(i, j, e, b)
            """, ct);
    }
}
