using Contracts.Queue;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workers.Callbacks;
using Workers.Data;

namespace Workers.Queue;

/// <summary>
/// Sends a job's last callback event again as a new delivery (a new <c>X-Queue-Delivery</c>, attempts from zero),
/// typically after a receiver that failed is fixed. The event's body is the one first sent: it tells what happened then.
/// </summary>
public sealed class ResendCallbackConsumer(
    ServiceDb db, Inbox.Inbox inbox, CallbackDispatcher dispatcher, IOptions<CallbackOptions> options, WorkerIdentity worker, TimeProvider clock)
    : IConsumer<ResendCallback>
{
    public async Task Consume(ConsumeContext<ResendCallback> context)
    {
        Guid? created = null;
        var result = await inbox.Apply(context, async ct =>
        {
            var command = context.Message;
            var job = await JobViews.Find(db, command.Type, command.RequestId, command.OwnerScope, withDeleted: false, ct);
            if (job is null)
                return new JobChangeResult(QueueProblem.NotFound(command.Type, command.RequestId));
            var last = await db.CallbackDeliveries.AsNoTracking().Where(d => d.JobId == job.Id)
                .OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id).FirstOrDefaultAsync(ct);
            if (last is null)
                return new JobChangeResult(new QueueProblem(409, "invalid_transition",
                    $"job '{job.RequestId}' is {job.Status} and has had no callback yet"));
            var now = clock.GetUtcNow().UtcDateTime;
            var delivery = Deliveries.New(job.Id, last.Event, last.Body, now,
                worker.Name, now + CallbackDispatcher.Lease(options.Value));
            db.CallbackDeliveries.Add(delivery);
            await db.SaveChangesAsync(ct);
            created = delivery.Id;
            return new JobChangeResult(null);
        }, r => r.Problem is not null);
        await context.RespondAsync(result);
        if (created is { } id)
            dispatcher.SendNow([id]);
    }
}
