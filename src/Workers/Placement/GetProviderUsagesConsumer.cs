using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

public sealed class GetProviderUsagesConsumer(ServiceDb db) : IConsumer<GetProviderUsages>
{
    public async Task Consume(ConsumeContext<GetProviderUsages> context)
    {
        var ct = context.CancellationToken;
        var uuid = context.Message.ProviderUuid;
        var provider = await db.ResourceProviders.AsNoTracking().SingleOrDefaultAsync(x => x.Uuid == uuid, ct);
        if (provider is null)
        {
            await context.RespondAsync(new ProviderUsagesResult(0, new Dictionary<string, long>(), ProviderViews.NotFound(uuid)));
            return;
        }
        // One entry per inventory class, as Placement's inventory-left-join-allocations query gives.
        var usages = await (from inventory in db.Inventories
                            join rc in db.ResourceClasses on inventory.ResourceClassId equals rc.Id
                            where inventory.ResourceProviderId == provider.Id
                            select new
                            {
                                rc.Name,
                                Used = db.Allocations.Where(a => a.ResourceProviderId == provider.Id && a.ResourceClassId == rc.Id)
                                    .Sum(a => (long?)a.Used) ?? 0,
                            }).ToDictionaryAsync(x => x.Name, x => x.Used, ct);
        await context.RespondAsync(new ProviderUsagesResult(provider.Generation, usages, null));
    }
}
