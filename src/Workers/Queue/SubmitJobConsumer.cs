using System.Text.Json;
using Contracts.Queue;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Queue;

/// <summary>
/// Queues a job: a new request id creates it with its instances' server uuids; the same request id with an equal
/// body answers the existing job (a safe retry); with a different body, or a callback URL that an active job of the
/// type already uses, it is a conflict.
/// </summary>
public sealed class SubmitJobConsumer(ServiceDb db, Inbox.Inbox inbox, TimeProvider clock) : IConsumer<SubmitJob>
{
    public async Task Consume(ConsumeContext<SubmitJob> context)
    {
        var result = await inbox.Apply(context, ct => Submit(context.Message, ct), r => r.Problem is not null);
        await context.RespondAsync(result);
        if (result.Created)
            await context.Publish(new QueueChanged(context.Message.Type, "job queued"));
    }

    async Task<JobResult> Submit(SubmitJob command, CancellationToken ct)
    {
        var existing = await JobViews.Find(db, command.Type, command.RequestId, null, withDeleted: true, ct);
        if (existing is not null)
            return SameBody(existing, command)
                ? new JobResult(await JobViews.Of(db, existing, ct), null)
                : Conflict("duplicate_request_id", $"request_id '{command.RequestId}' is already used in queue '{command.Type}' with a different body");
        if (await db.RetiredRequestIds.AnyAsync(r => r.Type == command.Type && r.RequestId == command.RequestId, ct))
            return Conflict("duplicate_request_id", $"request_id '{command.RequestId}' was used in queue '{command.Type}' by a job since purged");
        if (await db.Jobs.AnyAsync(j => j.Type == command.Type && j.Callback == command.Callback && JobStatus.Active.Contains(j.Status), ct))
            return Conflict("duplicate_callback", $"callback '{command.Callback}' is already used by an active job in queue '{command.Type}'");

        var now = clock.GetUtcNow();
        var job = new JobRecord
        {
            Type = command.Type,
            RequestId = command.RequestId,
            OwnerId = command.OwnerId,
            Project = command.Project,
            Data = command.Data,
            Callback = command.Callback,
            Priority = QueuePriority.At(now),
            Status = JobStatus.Queued,
            AggregateLabel = command.AggregateLabel,
            AggregateUuid = command.AggregateUuid,
            CreatedAt = now.UtcDateTime,
            UpdatedAt = now.UtcDateTime,
            QueuedSince = now.UtcDateTime,
        };
        db.Jobs.Add(job);
        await db.SaveChangesAsync(ct);
        var instances = command.Instances.Select((instance, index) => JobInstances.Record(job.Id, index, instance)).ToList();
        db.JobInstances.AddRange(instances);
        await db.SaveChangesAsync(ct);
        return new JobResult(await JobViews.Queued(db, job, instances, ct), null, Created: true);
    }

    static bool SameBody(JobRecord job, SubmitJob command) =>
        job.OwnerId == command.OwnerId && job.Callback == command.Callback
        && JsonEquality.Equal(JsonDocument.Parse(job.Data).RootElement, JsonDocument.Parse(command.Data).RootElement);

    static JobResult Conflict(string code, string error) => new(null, new QueueProblem(409, code, error));
}
