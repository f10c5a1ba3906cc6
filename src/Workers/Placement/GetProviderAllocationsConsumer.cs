using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

public sealed class GetProviderAllocationsConsumer(ServiceDb db) : IConsumer<GetProviderAllocations>
{
    public async Task Consume(ConsumeContext<GetProviderAllocations> context)
    {
        var ct = context.CancellationToken;
        var uuid = context.Message.ProviderUuid;
        var provider = await db.ResourceProviders.AsNoTracking().SingleOrDefaultAsync(p => p.Uuid == uuid, ct);
        if (provider is null)
        {
            await context.RespondAsync(new ProviderAllocationsView(0, [], null, ProviderViews.NotFound(uuid)));
            return;
        }
        var rows = await (from a in db.Allocations
                          join c in db.Consumers on a.ConsumerUuid equals c.Uuid
                          join rc in db.ResourceClasses on a.ResourceClassId equals rc.Id
                          where a.ResourceProviderId == provider.Id
                          orderby a.Id
                          select new { c.Uuid, c.Generation, Class = rc.Name, a.Used, Modified = a.UpdatedAt ?? a.CreatedAt })
            .AsNoTracking().ToListAsync(ct);
        var consumers = rows.GroupBy(r => r.Uuid)
            .Select(g => new ProviderAllocationsView.Consumer(g.Key, g.First().Generation, g.Select(r => new ResourceAmount(r.Class, r.Used)).ToList()))
            .ToList();
        await context.RespondAsync(new ProviderAllocationsView(provider.Generation, consumers,
            rows.Count == 0 ? null : rows.Max(r => r.Modified), null));
    }
}
