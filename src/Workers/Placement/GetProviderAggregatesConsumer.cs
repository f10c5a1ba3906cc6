using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

public sealed class GetProviderAggregatesConsumer(ServiceDb db) : IConsumer<GetProviderAggregates>
{
    public async Task Consume(ConsumeContext<GetProviderAggregates> context)
    {
        var (uuid, ct) = (context.Message.ProviderUuid, context.CancellationToken);
        var provider = await db.ResourceProviders.AsNoTracking().SingleOrDefaultAsync(x => x.Uuid == uuid, ct);
        if (provider is null)
        {
            await context.RespondAsync(new ProviderAggregatesResult(0, [], ProviderViews.NotFound(uuid)));
            return;
        }
        var aggregates = await (from link in db.ProviderAggregates
                                join aggregate in db.Aggregates on link.AggregateId equals aggregate.Id
                                where link.ResourceProviderId == provider.Id
                                orderby aggregate.Id
                                select aggregate.Uuid).ToListAsync(ct);
        await context.RespondAsync(new ProviderAggregatesResult(provider.Generation, aggregates, null));
    }
}
