using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

public sealed class DeleteInventoryConsumer(ServiceDb db, Inbox.Inbox inbox) : IConsumer<DeleteInventory>
{
    public async Task Consume(ConsumeContext<DeleteInventory> context) =>
        await context.RespondAsync(await inbox.Apply(context, ct => Delete(context.Message, ct), r => r.Problem is not null));

    async Task<InventoriesResult> Delete(DeleteInventory command, CancellationToken ct)
    {
        InventoriesResult Fail(PlacementProblem problem) => new(0, [], null, problem);
        var (uuid, resourceClass) = (command.ProviderUuid, command.ResourceClass);
        var provider = await db.ResourceProviders.AsNoTracking().SingleOrDefaultAsync(x => x.Uuid == uuid, ct);
        if (provider is null)
            return Fail(ProviderViews.NotFound(uuid));
        var classIds = await ProviderInventories.ClassIds(db, [resourceClass], ct);
        if (!classIds.TryGetValue(resourceClass, out var classId))
            return Fail(ProviderInventories.Problem(404, $"No inventory of class {resourceClass} found for delete: No such resource class {resourceClass}."));

        var generation = (await ProviderGenerations.Bump(db, provider.Id, null, ct))!.Value;
        if ((await ProviderInventories.InUse(db, provider.Id, [classId], ct)).Count > 0)
            return Fail(ProviderInventories.Problem(409,
                $"Unable to delete inventory of class {resourceClass}: Inventory for '{resourceClass}' on resource provider '{uuid}' in use.",
                PlacementProblem.ConcurrentUpdate));
        var deleted = await db.Inventories.Where(x => x.ResourceProviderId == provider.Id && x.ResourceClassId == classId).ExecuteDeleteAsync(ct);
        if (deleted == 0)
            return Fail(ProviderInventories.Problem(404,
                $"No inventory of class {resourceClass} found for delete: No inventory of class {resourceClass} found for delete"));
        return new InventoriesResult(generation, [], null, null);
    }
}
