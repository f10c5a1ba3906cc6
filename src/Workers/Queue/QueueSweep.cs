using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Quartz;
using Workers.Callbacks;
using Workers.Data;

namespace Workers.Queue;

/// <summary>
/// The periodic safety net (every <c>Queue:SweepInterval</c>): wakes admission, in case a wake-up was lost; releases
/// running jobs past their type's <c>MaxRunTime</c> and tells their receivers (<c>job.expired</c>); and purges
/// finished jobs older than <c>Queue:Retention</c>.
/// </summary>
[DisallowConcurrentExecution]
public sealed class QueueSweep(
    ServiceDb db,
    AdmissionSignal admission,
    CallbackDispatcher dispatcher,
    IOptions<QueueOptions> queueOptions,
    IOptions<CallbackOptions> callbackOptions,
    WorkerIdentity worker,
    TimeProvider clock,
    ILogger<QueueSweep> logger) : IJob
{
    public static readonly JobKey Key = new("queue-sweep");
    const int Batch = 100;

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct)
    {
        admission.QueueChanged(); // a lost wake-up of any kind, a job queued included
        var expired = await Expire(ct);
        if (expired > 0)
        {
            logger.LogInformation("Released {Expired} jobs past their MaxRunTime", expired);
            admission.Wake();
        }
        var purged = await Purge(ct);
        if (purged > 0)
            logger.LogInformation("Purged {Purged} finished jobs older than {Retention}", purged, queueOptions.Value.Retention);
    }

    /// <summary>Running jobs past <c>ExpiresAt</c>: released, done, and a <c>job.expired</c> delivery each.</summary>
    async Task<int> Expire(CancellationToken ct)
    {
        var count = 0;
        while (true)
        {
            db.ChangeTracker.Clear();
            var now = clock.GetUtcNow().UtcDateTime;
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var jobs = await db.Jobs.Where(j => j.Status == JobStatus.Running && j.ExpiresAt != null && j.ExpiresAt <= now)
                .OrderBy(j => j.ExpiresAt).Take(Batch).ToListAsync(ct);
            if (jobs.Count == 0)
                return count;
            List<CallbackDeliveryRecord> deliveries;
            try
            {
                foreach (var job in jobs)
                {
                    await JobRelease.Release(db, job.Id, ct);
                    (job.Status, job.UpdatedAt, job.ExpiresAt) = (JobStatus.Done, now, null);
                }
                await db.SaveChangesAsync(ct);
                var views = await JobViews.Of(db, jobs, ct);
                var until = now + CallbackDispatcher.Lease(callbackOptions.Value);
                deliveries = views.Select(v => Deliveries.New(v.Id, Deliveries.Expired, JobJson.CallbackBody(Deliveries.Expired, v), now, worker.Name, until)).ToList();
                db.CallbackDeliveries.AddRange(deliveries);
                await db.SaveChangesAsync(ct);
                await transaction.CommitAsync(ct);
            }
            catch (DbUpdateConcurrencyException)
            {
                // A job was finished, deleted or expired by another worker meanwhile: this batch is undone, and the
                // next sweep expires what is still due.
                logger.LogInformation("Expiry met a concurrent change; the next sweep retries");
                return count;
            }
            dispatcher.SendNow(deliveries.Select(d => d.Id));
            count += jobs.Count;
        }
    }

    /// <summary>
    /// Done, deleted and failed jobs not updated for <c>Queue:Retention</c> go, with their instances and deliveries;
    /// their request ids stay taken (<c>retired_request_ids</c>).
    /// </summary>
    async Task<int> Purge(CancellationToken ct)
    {
        var count = 0;
        while (true)
        {
            db.ChangeTracker.Clear();
            var now = clock.GetUtcNow().UtcDateTime;
            var before = now - queueOptions.Value.Retention;
            string[] finished = [JobStatus.Done, JobStatus.Deleted, JobStatus.Failed];
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var jobs = await db.Jobs.AsNoTracking().Where(j => finished.Contains(j.Status) && j.UpdatedAt < before)
                .OrderBy(j => j.Id).Take(Batch * 10).Select(j => new { j.Id, j.Type, j.RequestId }).ToListAsync(ct);
            if (jobs.Count == 0)
                return count;
            var ids = jobs.Select(j => j.Id).ToList();
            db.RetiredRequestIds.AddRange(jobs.Select(j => new RetiredRequestIdRecord { Type = j.Type, RequestId = j.RequestId, RetiredAt = now }));
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (Exception e) when (DbErrors.IsConstraintViolation(e))
            {
                // Another worker's sweep is purging the same jobs.
                return count;
            }
            await db.CallbackDeliveries.Where(d => ids.Contains(d.JobId)).ExecuteDeleteAsync(ct);
            await db.JobInstances.Where(i => ids.Contains(i.JobId)).ExecuteDeleteAsync(ct);
            await db.Jobs.Where(j => ids.Contains(j.Id)).ExecuteDeleteAsync(ct);
            await transaction.CommitAsync(ct);
            count += jobs.Count;
        }
    }
}
