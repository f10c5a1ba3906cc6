using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

/// <summary>DELETE /allocations/{consumer}: everything it holds goes, and the consumer with it. As in Placement no
/// generation moves (freeing capacity cannot overcommit anything). On PostgreSQL the delete's trigger still locks the
/// providers, after the consumer, to bump their change versions (<see cref="Data.Migrations.M0007_ProviderChangeVersions"/>).</summary>
public sealed class DeleteAllocationsConsumer(ServiceDb db, Inbox.Inbox inbox) : IConsumer<DeleteAllocations>
{
    public async Task Consume(ConsumeContext<DeleteAllocations> context)
    {
        List<Guid> freed = [];
        var uuid = context.Message.ConsumerUuid;
        var result = await inbox.Apply(context, async ct =>
        {
            await ConsumerLocks.Lock(db, [uuid], ct);
            var consumer = await db.Consumers.SingleOrDefaultAsync(c => c.Uuid == uuid, ct);
            var providerIds = consumer is null ? [] : await db.Allocations.Where(a => a.ConsumerUuid == uuid)
                .Select(a => a.ResourceProviderId).Distinct().ToListAsync(ct);
            if (providerIds.Count == 0)
                return new AllocationsResult(new PlacementProblem(404, PlacementProblem.UndefinedCode, $"No allocations for consumer '{uuid}'"));
            freed = await db.ResourceProviders.Where(p => providerIds.Contains(p.Id)).Select(p => p.Uuid).ToListAsync(ct);
            await db.Allocations.Where(a => a.ConsumerUuid == uuid).ExecuteDeleteAsync(ct);
            db.Consumers.Remove(consumer!);
            await db.SaveChangesAsync(ct);
            return new AllocationsResult(null);
        }, r => r.Problem is not null);
        await context.RespondAsync(result);
        if (result.Problem is null)
            await context.Publish(new CapacityFreed(freed, "allocations deleted"));
    }
}
