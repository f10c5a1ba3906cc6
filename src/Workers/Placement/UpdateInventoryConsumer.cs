using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

/// <summary>PUT one existing inventory. Allocations beyond the new capacity are kept, as Placement keeps them.</summary>
public sealed class UpdateInventoryConsumer(ServiceDb db, Inbox.Inbox inbox, TimeProvider clock) : IConsumer<UpdateInventory>
{
    public async Task Consume(ConsumeContext<UpdateInventory> context)
    {
        var result = await inbox.Apply(context, ct => Update(context.Message, ct), r => r.Problem is not null);
        await context.RespondAsync(result);
        if (result.Problem is null)
            await context.Publish(new CapacityFreed([context.Message.ProviderUuid], "inventory updated"));
    }

    async Task<InventoriesResult> Update(UpdateInventory command, CancellationToken ct)
    {
        InventoriesResult Fail(PlacementProblem problem) => new(0, [], null, problem);
        var uuid = command.ProviderUuid;
        var inventory = command.Inventory;
        var provider = await db.ResourceProviders.AsNoTracking().SingleOrDefaultAsync(x => x.Uuid == uuid, ct);
        if (provider is null)
            return Fail(ProviderViews.NotFound(uuid));
        if (command.Generation != provider.Generation)
            return Fail(ProviderInventories.Problem(409, "resource provider generation conflict", PlacementProblem.ConcurrentUpdate));
        if (ProviderInventories.CapacityProblem([inventory], uuid, command.ReservedMayEqualTotal) is { } invalid)
            return Fail(ProviderInventories.Problem(400, $"Unable to update inventory for resource provider {uuid}: {invalid}"));
        var classIds = await ProviderInventories.ClassIds(db, [inventory.ResourceClass], ct);
        if (!classIds.TryGetValue(inventory.ResourceClass, out var classId))
            return Fail(new PlacementProblem(404, PlacementProblem.UndefinedCode, $"No such resource class {inventory.ResourceClass}.", WithoutVary: true));

        var generation = await ProviderGenerations.Bump(db, provider.Id, command.Generation, ct);
        if (generation is null)
            return Fail(ProviderInventories.Problem(409, "resource provider generation conflict", PlacementProblem.ConcurrentUpdate));
        var record = await db.Inventories.SingleOrDefaultAsync(x => x.ResourceProviderId == provider.Id && x.ResourceClassId == classId, ct);
        if (record is null)
            return Fail(ProviderInventories.Problem(400,
                $"No inventory record with resource class for resource provider {uuid}: No inventory of class {inventory.ResourceClass} found."));

        ProviderInventories.CopyValues(inventory, record);
        record.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return new InventoriesResult(generation.Value, [inventory], null, null);
    }
}
