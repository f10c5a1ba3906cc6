using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

public sealed class GetProviderTraitsConsumer(ServiceDb db) : IConsumer<GetProviderTraits>
{
    public async Task Consume(ConsumeContext<GetProviderTraits> context)
    {
        var (uuid, ct) = (context.Message.ProviderUuid, context.CancellationToken);
        var provider = await db.ResourceProviders.AsNoTracking().SingleOrDefaultAsync(x => x.Uuid == uuid, ct);
        if (provider is null)
        {
            await context.RespondAsync(new ProviderTraitsResult(0, [], null, ProviderViews.NotFound(uuid)));
            return;
        }
        var traits = await (from link in db.ProviderTraits
                            join trait in db.Traits on link.TraitId equals trait.Id
                            where link.ResourceProviderId == provider.Id
                            orderby trait.Id
                            select new { trait.Name, Modified = trait.UpdatedAt ?? trait.CreatedAt }).ToListAsync(ct);
        await context.RespondAsync(new ProviderTraitsResult(provider.Generation, traits.Select(t => t.Name).ToList(),
            traits.Count == 0 ? null : traits.Max(t => t.Modified), null));
    }
}
