using Contracts.Queue;
using MassTransit;
using Workers.Data;

namespace Workers.Queue;

/// <summary>
/// Cancels a queued job or releases a running one. A soft delete: the row stays (with <c>DeletedAt</c>) so its
/// request id is never reused, until retention purges it.
/// </summary>
public sealed class DeleteJobConsumer(ServiceDb db, Inbox.Inbox inbox, TimeProvider clock, CapacityAnnouncer announcer) : IConsumer<DeleteJob>
{
    public async Task Consume(ConsumeContext<DeleteJob> context)
    {
        List<Guid> freed = [];
        var wasQueued = false;
        var result = await inbox.Apply(context, async ct =>
        {
            var command = context.Message;
            var job = await JobViews.Find(db, command.Type, command.RequestId, command.OwnerScope, withDeleted: false, ct);
            if (job is null)
                return new JobChangeResult(QueueProblem.NotFound(command.Type, command.RequestId));
            wasQueued = job.Status == JobStatus.Queued;
            if (job.Status == JobStatus.Running)
                freed = await JobRelease.Release(db, job.Id, ct);
            var now = clock.GetUtcNow().UtcDateTime;
            // Saved with the command's inbox row.
            (job.Status, job.DeletedAt, job.UpdatedAt, job.ExpiresAt) = (JobStatus.Deleted, now, now, null);
            return new JobChangeResult(null);
        }, r => r.Problem is not null);
        // A deleted head unblocks a strict queue; a released job gives capacity back. The wake-up goes first:
        // admission starts while the answer travels back.
        if (result.Problem is null && freed.Count > 0)
            announcer.Freed(freed, "job deleted");
        else if (result.Problem is null && wasQueued)
            await context.Publish(new QueueChanged(context.Message.Type, "job deleted"));
        await context.RespondAsync(result);
    }
}
