using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

/// <summary>POST one inventory. No client generation here: concurrent writers of the provider queue on its row lock.</summary>
public sealed class CreateInventoryConsumer(ServiceDb db, Inbox.Inbox inbox, TimeProvider clock) : IConsumer<CreateInventory>
{
    public async Task Consume(ConsumeContext<CreateInventory> context)
    {
        var result = await inbox.Apply(context, ct => Create(context.Message, ct), r => r.Problem is not null);
        await context.RespondAsync(result);
        if (result.Problem is null)
            await context.Publish(new CapacityFreed([context.Message.ProviderUuid], "inventory added"));
    }

    async Task<InventoriesResult> Create(CreateInventory command, CancellationToken ct)
    {
        InventoriesResult Fail(PlacementProblem problem) => new(0, [], null, problem);
        var uuid = command.ProviderUuid;
        var inventory = command.Inventory;
        var provider = await db.ResourceProviders.AsNoTracking().SingleOrDefaultAsync(x => x.Uuid == uuid, ct);
        if (provider is null)
            return Fail(ProviderViews.NotFound(uuid));
        var prefix = $"Unable to create inventory for resource provider {uuid}: ";
        if (ProviderInventories.CapacityProblem([inventory], uuid, command.ReservedMayEqualTotal) is { } invalid)
            return Fail(ProviderInventories.Problem(400, prefix + invalid));
        var classIds = await ProviderInventories.ClassIds(db, [inventory.ResourceClass], ct);
        if (!classIds.TryGetValue(inventory.ResourceClass, out var classId))
            return Fail(ProviderInventories.Problem(400, $"{prefix}No such resource class {inventory.ResourceClass}."));

        var generation = (await ProviderGenerations.Bump(db, provider.Id, null, ct))!.Value;
        if (await db.Inventories.AnyAsync(x => x.ResourceProviderId == provider.Id && x.ResourceClassId == classId, ct))
            return Fail(ProviderInventories.Problem(409,
                $"Update conflict: Inventory for '{inventory.ResourceClass}' on resource provider '{uuid}' already exists.",
                PlacementProblem.ConcurrentUpdate));

        var record = new InventoryRecord { ResourceProviderId = provider.Id, ResourceClassId = classId, CreatedAt = clock.GetUtcNow().UtcDateTime };
        ProviderInventories.CopyValues(inventory, record);
        db.Inventories.Add(record);
        await db.SaveChangesAsync(ct);
        return new InventoriesResult(generation, [inventory], null, null);
    }
}
