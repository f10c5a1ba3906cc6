using Contracts.Queue;
using MassTransit;
using Workers.Data;

namespace Workers.Queue;

/// <summary>
/// Finishes as many as the Api gathered (<see cref="FinishJobsBatch"/>), in one transaction, one answer per finish:
/// each running job's instances give back what they hold and the job becomes done (<see cref="JobRelease.Finish"/>;
/// on PostgreSQL every finish of the batch in one round trip, the inbox rows with the commit). A refused finish (no
/// such job, a job not running) leaves nothing. The capacity given back wakes admission once for the whole batch.
/// </summary>
public sealed class FinishJobsBatchConsumer(ServiceDb db, Inbox.Inbox inbox, TimeProvider clock, CapacityAnnouncer announcer)
    : IConsumer<FinishJobsBatch>
{
    public async Task Consume(ConsumeContext<FinishJobsBatch> context)
    {
        var items = context.Message.Items;
        var freed = new HashSet<Guid>();
        var answers = await inbox.ApplyMany(context, items.Select(i => i.CommandId).ToList(), async (pending, ct) =>
        {
            freed.Clear();
            var todo = items.Where(i => pending.Contains(i.CommandId)).ToList();
            var done = await JobRelease.Finish(db, todo.Select(i => i.Command).ToList(), clock.GetUtcNow().UtcDateTime, ct);
            var results = new Dictionary<Guid, JobChangeResult>();
            foreach (var (item, (problem, released)) in todo.Zip(done))
            {
                results[item.CommandId] = new JobChangeResult(problem);
                freed.UnionWith(released);
            }
            return results;
        });
        // The wake-up goes first: admission starts while the answers travel back.
        if (freed.Count > 0)
            announcer.Freed(freed.ToList(), "jobs done");
        await context.RespondAsync(new FinishJobsBatchResult(
            items.Select(i => new FinishJobsBatchResult.Item(i.CommandId, answers[i.CommandId])).ToList()));
    }
}
