using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

public sealed class GetResourceProviderConsumer(ServiceDb db) : IConsumer<GetResourceProvider>
{
    public async Task Consume(ConsumeContext<GetResourceProvider> context)
    {
        var uuid = context.Message.Uuid;
        var provider = await ProviderViews.Of(db.ResourceProviders.AsNoTracking().Where(x => x.Uuid == uuid), db)
            .SingleOrDefaultAsync(context.CancellationToken);
        await context.RespondAsync(provider is null
            ? new ResourceProviderResult(null, ProviderViews.NotFound(uuid))
            : new ResourceProviderResult(provider, null));
    }
}
