using Microsoft.EntityFrameworkCore;
using Workers.Data;
using Workers.Placement;

namespace Workers.Queue;

/// <summary>
/// What an admission pass writes, on PostgreSQL as one statement per table whatever the number of jobs admitted
/// (arrays unnested into rows): hundreds of admitted jobs would otherwise cost thousands of single-row statements.
/// The rows and their meaning are exactly those <see cref="AllocationWriter.Write"/> and EF would write; SQLite, one
/// process and small, keeps EF's way.
/// </summary>
public static class AdmissionWrites
{
    /// <summary>The claims the planner accepted: new consumers with their allocations, and the providers' generations.</summary>
    public static async Task Claims(ServiceDb db, AllocationPlanner.Snapshot snapshot, DateTime now, CancellationToken ct)
    {
        await ProviderGenerations.Increment(db, snapshot.Providers.Values.Where(p => p.Bumps > 0).DistinctBy(p => p.Id)
            .ToDictionary(p => p.Id, p => p.Bumps), ct);
        // An admission only ever creates consumers: each instance's server uuid was checked to hold nothing.
        var consumers = snapshot.Consumers.Values.Where(c => c.Changed && c.Exists).ToList();
        if (consumers.Count == 0)
            return;
        var uuids = consumers.Select(c => c.Uuid).ToArray();
        var projects = consumers.Select(c => c.ProjectId).ToArray();
        var users = consumers.Select(c => c.UserId).ToArray();
        var generations = consumers.Select(c => c.Generation).ToArray();
        var types = consumers.Select(c => c.TypeId ?? 0).ToArray();
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO consumers (uuid, project_id, user_id, generation, consumer_type_id, created_at)
            SELECT u, p, us, g, NULLIF(t, 0), {now} FROM unnest({uuids}, {projects}, {users}, {generations}, {types}) AS v(u, p, us, g, t)
            """, ct);

        var held = consumers.SelectMany(c => c.Allocations.Select(h => (Consumer: c.Uuid, Held: h))).ToList();
        var providers = held.Select(h => snapshot.ProviderOf(h.Held.ProviderUuid).Id).ToArray();
        var owners = held.Select(h => h.Consumer).ToArray();
        var classes = held.Select(h => h.Held.ClassId).ToArray();
        var used = held.Select(h => h.Held.Used).ToArray();
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO allocations (resource_provider_id, consumer_uuid, resource_class_id, used, created_at)
            SELECT p, c, rc, u, {now} FROM unnest({providers}, {owners}, {classes}, {used}) AS v(p, c, rc, u)
            """, ct);
    }

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
