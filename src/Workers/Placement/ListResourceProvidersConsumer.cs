using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

public sealed class ListResourceProvidersConsumer(ServiceDb db) : IConsumer<ListResourceProviders>
{
    public async Task Consume(ConsumeContext<ListResourceProviders> context)
    {
        var query = context.Message;
        var ct = context.CancellationToken;
        var providers = db.ResourceProviders.AsNoTracking();
        if (!string.IsNullOrEmpty(query.Name))
            providers = providers.Where(x => x.Name == query.Name);
        if (query.Uuid is { } uuid)
            providers = providers.Where(x => x.Uuid == uuid);
        if (query.InTree is { } inTree)
        {
            // An unknown tree is an empty list, not an error.
            var rootId = await db.ResourceProviders.Where(x => x.Uuid == inTree).Select(x => x.RootId).SingleOrDefaultAsync(ct);
            providers = providers.Where(x => rootId != null && x.RootId == rootId);
        }
        await context.RespondAsync(new ResourceProviderList(await ProviderViews.Of(providers, db).ToListAsync(ct)));
    }
}
