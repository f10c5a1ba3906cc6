using System.Text.Json;
using Contracts.Queue;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Queue;

/// <summary>Reads jobs as the API shows them: with their instances, their latest delivery and, when queued, their position.</summary>
public static class JobViews
{
    /// <summary>A job by type and request id, as <paramref name="ownerScope"/> may see it (null: an admin sees all).</summary>
    public static Task<JobRecord?> Find(ServiceDb db, string type, string requestId, string? ownerScope, bool withDeleted, CancellationToken ct) =>
        db.Jobs.Where(j => j.Type == type && j.RequestId == requestId
                           && (ownerScope == null || j.OwnerId == ownerScope)
                           && (withDeleted || j.Status != JobStatus.Deleted))
            .SingleOrDefaultAsync(ct);

    public static async Task<JobView> Of(ServiceDb db, JobRecord job, CancellationToken ct) => (await Of(db, [job], ct))[0];

    public static async Task<List<JobView>> Of(ServiceDb db, IReadOnlyList<JobRecord> jobs, CancellationToken ct)
    {
        var ids = jobs.Select(j => j.Id).ToList();
        var instances = (await db.JobInstances.AsNoTracking().Where(i => ids.Contains(i.JobId)).ToListAsync(ct))
            .ToLookup(i => i.JobId);
        var deliveries = (await db.CallbackDeliveries.AsNoTracking().Where(d => ids.Contains(d.JobId)).ToListAsync(ct))
            .GroupBy(d => d.JobId).ToDictionary(g => g.Key, g => g.MaxBy(d => (d.CreatedAt, d.Id))!);
        var positions = await Positions(db, jobs.Where(j => j.Status == JobStatus.Queued).ToList(), ct);
        return jobs.Select(j => View(j, positions, instances[j.Id], deliveries.GetValueOrDefault(j.Id))).ToList();
    }

    /// <summary>A job just queued, from what was written: its instances as added, no delivery yet; only its position is read.</summary>
    public static async Task<JobView> Queued(ServiceDb db, JobRecord job, IEnumerable<JobInstanceRecord> instances, CancellationToken ct) =>
        View(job, await Positions(db, [job], ct), instances, null);

    static JobView View(JobRecord j, Dictionary<long, long> positions, IEnumerable<JobInstanceRecord> instances, CallbackDeliveryRecord? delivery) => new(
        j.Id, j.CreatedAt, j.UpdatedAt, j.DeletedAt, j.RequestId, j.Type, j.OwnerId, j.Data, j.Callback, j.Priority, j.Status,
        positions.TryGetValue(j.Id, out var position) ? position : null,
        j.Status == JobStatus.Queued ? j.Reason : null,
        instances.OrderBy(i => i.Index).Select(JobInstances.View).ToList(),
        j.AdmittedAt,
        delivery is null ? null : Delivery(delivery));

    public static DeliveryView Delivery(CallbackDeliveryRecord d) => new(
        d.Id, d.Event, d.State, d.Attempts, d.LastError, d.DeliveredAt, d.State == DeliveryState.Pending ? d.NextAttemptAt : null,
        JsonSerializer.Deserialize<List<DeliveryAttempt>>(d.History) ?? []);

    /// <summary>
    /// Each queued job's 0-based rank among its type's queued jobs (priority, then id). A few jobs of a type (a submit,
    /// a GET) are each counted where they stand, in the database; more (a page of a list) are ranked from one read of
    /// the keys up to the last of them. Reading the keys for one job at the back of ten thousand cost every submit
    /// more than everything else it did.
    /// </summary>
    static async Task<Dictionary<long, long>> Positions(ServiceDb db, List<JobRecord> queued, CancellationToken ct)
    {
        var positions = new Dictionary<long, long>();
        foreach (var type in queued.GroupBy(j => j.Type))
        {
            if (type.Count() <= CountedOneByOne)
            {
                foreach (var job in type)
                    positions[job.Id] = await db.Jobs.LongCountAsync(j => j.Type == type.Key && j.Status == JobStatus.Queued
                        && j.Priority <= job.Priority && (j.Priority < job.Priority || j.Id < job.Id), ct);
                continue;
            }
            var last = type.Max(j => (j.Priority, j.Id));
            var ahead = await db.Jobs.Where(j => j.Type == type.Key && j.Status == JobStatus.Queued
                                                 && (j.Priority < last.Priority || (j.Priority == last.Priority && j.Id <= last.Id)))
                .OrderBy(j => j.Priority).ThenBy(j => j.Id).Select(j => new { j.Priority, j.Id }).ToListAsync(ct);
            var keys = ahead.Select(a => (a.Priority, a.Id)).ToList();
            foreach (var job in type)
                positions[job.Id] = keys.BinarySearch((job.Priority, job.Id));
        }
        return positions;
    }

    const int CountedOneByOne = 4;
}
