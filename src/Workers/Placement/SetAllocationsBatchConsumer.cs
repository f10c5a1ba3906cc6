using System.Diagnostics;
using Contracts.Placement;
using MassTransit;

namespace Workers.Placement;

/// <summary>
/// PUT /allocations/{consumer} and POST /allocations, as many as the Api gathered: one snapshot of everything they
/// touch (under the consumers' and providers' locks), each write checked and applied in order against it (a refused
/// one leaves nothing), one transaction, one answer per write.
/// </summary>
public sealed class SetAllocationsBatchConsumer(AllocationWriter writer, Inbox.Inbox inbox, ILogger<SetAllocationsBatchConsumer> logger)
    : IConsumer<SetAllocationsBatch>
{
    public async Task Consume(ConsumeContext<SetAllocationsBatch> context)
    {
        var items = context.Message.Items;
        var started = Stopwatch.GetTimestamp();
        var (loaded, planned) = (0L, 0L);
        var freed = new HashSet<Guid>();
        var answers = await inbox.ApplyMany(context, items.Select(i => i.CommandId).ToList(), async (pending, ct) =>
        {
            freed.Clear();
            var todo = items.Where(i => pending.Contains(i.CommandId)).ToList();
            var commands = todo.Select(i => PlannerCommand(i.Command)).ToList();
            var snapshot = await writer.Load(commands, [], ct);
            loaded = Stopwatch.GetTimestamp();
            var results = new Dictionary<Guid, AllocationsResult>();
            foreach (var (item, command) in todo.Zip(commands))
            {
                using var scope = item.RequestId is null || !logger.IsEnabled(LogLevel.Debug)
                    ? null
                    : logger.BeginScope(new Dictionary<string, object> { ["RequestId"] = item.RequestId });
                var (lines, problem) = AllocationPlanner.Check(command, snapshot);
                List<Guid> released = [];
                if (problem is null)
                    (problem, released) = AllocationPlanner.Allocate(command, lines, snapshot);
                freed.UnionWith(released);
                results[item.CommandId] = new AllocationsResult(problem);
                logger.LogDebug("Allocation write {CommandId}: {Outcome}", item.CommandId, problem?.Detail ?? "applied");
            }
            planned = Stopwatch.GetTimestamp();
            await writer.Write(snapshot, ct);
            return results;
        });
        var committed = Stopwatch.GetTimestamp();
        await context.RespondAsync(new SetAllocationsBatchResult(items.Select(i => new SetAllocationsBatchResult.Item(i.CommandId, answers[i.CommandId])).ToList()));
        if (logger.IsEnabled(LogLevel.Debug) && planned > 0)
            logger.LogDebug("Allocation batch of {Count}: sent {SentAgoMs:0.0} ms before its consumer started; load {LoadMs:0.0}, plan {PlanMs:0.0}, " +
                "write and commit {CommitMs:0.0}, respond {RespondMs:0.0} ms", items.Count,
                context.SentTime is { } sent ? (DateTime.UtcNow - sent).TotalMilliseconds - Stopwatch.GetElapsedTime(started).TotalMilliseconds : double.NaN,
                Stopwatch.GetElapsedTime(started, loaded).TotalMilliseconds, Stopwatch.GetElapsedTime(loaded, planned).TotalMilliseconds,
                Stopwatch.GetElapsedTime(planned, committed).TotalMilliseconds, Stopwatch.GetElapsedTime(committed).TotalMilliseconds);
        // Claims take capacity; only allocations that shrank or went free some, and wake admission.
        if (freed.Count > 0)
            await context.Publish(new CapacityFreed(freed.ToList(), "allocations reduced"));
    }

    static AllocationPlanner.Command PlannerCommand(SetAllocations command) => new(command.Consumers,
        command.CheckConsumerGenerations, command.TypedConsumers,
        command.SingleConsumer ? AllocationPlanner.Wording.Put : AllocationPlanner.Wording.Post);
}
