using Contracts.Queue;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Queue;

public sealed class ListQueueTypesConsumer(ServiceDb db) : IConsumer<ListQueueTypes>
{
    public async Task Consume(ConsumeContext<ListQueueTypes> context)
    {
        var scope = context.Message.OwnerScope;
        var counts = await db.Jobs.Where(j => scope == null || j.OwnerId == scope)
            .GroupBy(j => new { j.Type, j.Status })
            .Select(g => new { g.Key.Type, g.Key.Status, Count = g.Count() })
            .ToListAsync(context.CancellationToken);
        await context.RespondAsync(new QueueTypeList(counts.GroupBy(c => c.Type).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new QueueTypeCounts(g.Key, g.ToDictionary(c => c.Status, c => c.Count))).ToList()));
    }
}
