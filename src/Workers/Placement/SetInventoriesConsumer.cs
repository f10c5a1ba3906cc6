using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

/// <summary>
/// PUT (and, without a generation, DELETE) of all a provider's inventories: classes not listed are removed (409 if
/// any has allocations), new ones added, the rest updated, in one transaction with one generation bump.
/// </summary>
public sealed class SetInventoriesConsumer(ServiceDb db, Inbox.Inbox inbox, TimeProvider clock) : IConsumer<SetInventories>
{
    public async Task Consume(ConsumeContext<SetInventories> context)
    {
        var result = await inbox.Apply(context, ct => Set(context.Message, ct), r => r.Problem is not null);
        await context.RespondAsync(result);
        if (result.Problem is null)
            await context.Publish(new CapacityFreed([context.Message.ProviderUuid], "inventory set"));
    }

    async Task<InventoriesResult> Set(SetInventories command, CancellationToken ct)
    {
        InventoriesResult Fail(PlacementProblem problem) => new(0, [], null, problem);
        var uuid = command.ProviderUuid;
        var provider = await db.ResourceProviders.AsNoTracking().SingleOrDefaultAsync(x => x.Uuid == uuid, ct);
        if (provider is null)
            return Fail(ProviderViews.NotFound(uuid));
        var deleteAll = command.Generation is null;
        if (!deleteAll && command.Generation != provider.Generation)
            return Fail(ProviderInventories.Problem(409, "resource provider generation conflict", PlacementProblem.ConcurrentUpdate));
        if (ProviderInventories.CapacityProblem(command.Inventories, uuid, command.ReservedMayEqualTotal) is { } invalid)
            return Fail(ProviderInventories.Problem(400, $"Unable to update inventory for resource provider {uuid}: {invalid}"));
        var classIds = await ProviderInventories.ClassIds(db, command.Inventories.Select(x => x.ResourceClass), ct);
        if (command.Inventories.FirstOrDefault(x => !classIds.ContainsKey(x.ResourceClass)) is { } unknown)
            return Fail(ProviderInventories.Problem(400,
                $"Unknown resource class in inventory for resource provider {uuid}: No such resource class {unknown.ResourceClass}."));

        var generation = await ProviderGenerations.Bump(db, provider.Id, command.Generation, ct);
        if (generation is null)
            return Fail(ProviderInventories.Problem(409, "resource provider generation conflict", PlacementProblem.ConcurrentUpdate));

        var inUse = await ProviderInventories.Replace(db, provider.Id, command.Inventories, classIds, clock.GetUtcNow().UtcDateTime, ct);
        if (inUse.Count > 0)
        {
            var message = $"Inventory for '{string.Join(", ", inUse)}' on resource provider '{uuid}' in use.";
            return Fail(ProviderInventories.Problem(409, deleteAll ? message : $"update conflict: {message}", PlacementProblem.InventoryInUse));
        }
        return new InventoriesResult(generation.Value, command.Inventories, null, null);
    }
}
