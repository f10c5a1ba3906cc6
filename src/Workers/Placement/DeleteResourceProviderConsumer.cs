using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

public sealed class DeleteResourceProviderConsumer(ServiceDb db, Inbox.Inbox inbox) : IConsumer<DeleteResourceProvider>
{
    public async Task Consume(ConsumeContext<DeleteResourceProvider> context) =>
        await context.RespondAsync(await inbox.Apply(context, ct => Delete(context.Message, ct), r => r.Problem is not null));

    async Task<ResourceProviderResult> Delete(DeleteResourceProvider command, CancellationToken ct)
    {
        var provider = await db.ResourceProviders.SingleOrDefaultAsync(x => x.Uuid == command.Uuid, ct);
        if (provider is null)
            return new(null, new PlacementProblem(404, PlacementProblem.UndefinedCode,
                $"No resource provider with uuid {command.Uuid} found for delete"));
        // Under the lock every allocation writer takes on it: an allocation committed before it is seen below, and none
        // can follow. The foreign key refuses a parent's delete too; a child added concurrently surfaces as a retry that lands here.
        await ProviderLocks.Lock(db, [provider.Id], ct);
        if (await db.ResourceProviders.AnyAsync(x => x.ParentId == provider.Id, ct))
            return new(null, new PlacementProblem(409, "placement.resource_provider.cannot_delete_parent",
                $"Unable to delete parent resource provider {command.Uuid}: It has child resource providers."));

        if (await db.Allocations.AnyAsync(x => x.ResourceProviderId == provider.Id, ct))
            return new(null, new PlacementProblem(409, "placement.resource_provider.inuse",
                $"Unable to delete resource provider {command.Uuid}: Resource provider has allocations."));

        // Its inventories, traits and aggregate links go with it (cascading foreign keys).
        db.ResourceProviders.Remove(provider);
        await db.SaveChangesAsync(ct);
        return new(null, null);
    }
}
