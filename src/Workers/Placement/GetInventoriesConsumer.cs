using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

public sealed class GetInventoriesConsumer(ServiceDb db) : IConsumer<GetInventories>
{
    public async Task Consume(ConsumeContext<GetInventories> context)
    {
        var uuid = context.Message.ProviderUuid;
        var provider = await db.ResourceProviders.AsNoTracking().SingleOrDefaultAsync(x => x.Uuid == uuid, context.CancellationToken);
        if (provider is null)
        {
            await context.RespondAsync(new InventoriesResult(0, [], null, ProviderInventories.Problem(404,
                $"No resource provider with uuid {uuid} found : No resource provider with uuid {uuid} found")));
            return;
        }
        var inventories = await ProviderInventories.Of(db, provider.Id, context.CancellationToken);
        await context.RespondAsync(new InventoriesResult(provider.Generation,
            inventories.Select(x => ProviderInventories.ToContract(x.Record, x.ResourceClass)).ToList(),
            ProviderInventories.LastModified(inventories), null));
    }
}
