using Contracts.Queue;
using MassTransit;
using Workers.Data;

namespace Workers.Queue;

public sealed class GetJobConsumer(ServiceDb db) : IConsumer<GetJob>
{
    public async Task Consume(ConsumeContext<GetJob> context)
    {
        var query = context.Message;
        var job = await JobViews.Find(db, query.Type, query.RequestId, query.OwnerScope, withDeleted: false, context.CancellationToken);
        await context.RespondAsync(job is null
            ? new JobResult(null, QueueProblem.NotFound(query.Type, query.RequestId))
            : new JobResult(await JobViews.Of(db, job, context.CancellationToken), null));
    }
}
