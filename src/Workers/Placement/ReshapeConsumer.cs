using Contracts.Placement;
using MassTransit;
using Workers.Data;

namespace Workers.Placement;

/// <summary>
/// POST /reshaper: in one transaction, each provider's inventories widened to old and new classes, the consumers'
/// allocations replaced (checked against those), then each provider's inventories cut to exactly the new ones
/// (refused if an allocation still stands on a removed class). Generations move as Placement moves them: once for
/// the widening (when there are new inventories), once for the allocations, once for the final set.
/// </summary>
public sealed class ReshapeConsumer(ServiceDb db, AllocationWriter writer, Inbox.Inbox inbox, TimeProvider clock) : IConsumer<Reshape>
{
    public async Task Consume(ConsumeContext<Reshape> context)
    {
        var result = await inbox.Apply(context, ct => Apply(context.Message, ct), r => r.Problem is not null);
        await context.RespondAsync(result);
        if (result.Problem is null)
            await context.Publish(new CapacityFreed(context.Message.Inventories.Select(i => Guid.Parse(i.ProviderUuid)).ToList(), "reshaped"));
    }

    async Task<AllocationsResult> Apply(Reshape command, CancellationToken ct)
    {
        AllocationsResult Fail(int status, string code, string detail) => new(new PlacementProblem(status, code, detail));
        var targets = new List<(ResourceProviderRecord Provider, Reshape.ProviderInventories Wanted)>();
        foreach (var wanted in command.Inventories)
        {
            var provider = await ProviderViews.FindByStoredUuid(db, wanted.ProviderUuid, ct);
            if (provider is null)
                return Fail(400, "placement.resource_provider.not_found",
                    $"Resource provider {wanted.ProviderUuid} in inventories not found: No resource provider with uuid {wanted.ProviderUuid} found");
            if (provider.Generation != wanted.Generation)
                return Fail(409, PlacementProblem.ConcurrentUpdate,
                    $"resource provider generation conflict for provider {wanted.ProviderUuid}: actual: {provider.Generation}, given: {wanted.Generation}");
            targets.Add((provider, wanted));
        }

        // Consumers and every provider involved are locked (providers in id order) before anything moves.
        var allocations = new AllocationPlanner.Command(command.Allocations, CheckGenerations: true, command.TypedConsumers,
            AllocationPlanner.Wording.Reshaper);
        var snapshot = await writer.Load([allocations], targets.Select(t => t.Provider.Uuid).ToList(), ct);
        var (lines, refused) = AllocationPlanner.Check(allocations, snapshot);
        if (refused is not null)
            return new(refused);

        var malformed = (string rc) => new PlacementProblem(400, PlacementProblem.UndefinedCode, $"malformed reshaper data: No such resource class {rc}.");
        var now = clock.GetUtcNow().UtcDateTime;
        var classIds = await ProviderInventories.ClassIds(db, command.Inventories.SelectMany(i => i.Inventories).Select(i => i.ResourceClass), ct);
        if (command.Inventories.SelectMany(i => i.Inventories).FirstOrDefault(i => !classIds.ContainsKey(i.ResourceClass)) is { } unknown)
            return new(malformed(unknown.ResourceClass));
        // The widening: old and new classes together, so allocations can move before the old classes go.
        foreach (var (provider, wanted) in targets.Where(t => t.Wanted.Inventories.Count > 0))
        {
            await ProviderGenerations.Bump(db, provider.Id, null, ct);
            var current = (await ProviderInventories.Of(db, provider.Id, ct)).Select(x => ProviderInventories.ToContract(x.Record, x.ResourceClass));
            var widened = current.Where(c => wanted.Inventories.All(w => w.ResourceClass != c.ResourceClass)).Concat(wanted.Inventories).ToList();
            var widenedIds = await ProviderInventories.ClassIds(db, widened.Select(w => w.ResourceClass), ct);
            await ProviderInventories.Replace(db, provider.Id, widened, widenedIds, now, ct);
            var planned = snapshot.ProviderOf(provider.Uuid).Inventories;
            planned.Clear();
            foreach (var inventory in widened)
                planned[widenedIds[inventory.ResourceClass]] = new(inventory.Total, inventory.Reserved, inventory.MinUnit,
                    inventory.MaxUnit, inventory.StepSize, inventory.AllocationRatio);
        }

        var (problem, _) = AllocationPlanner.Allocate(allocations, lines, snapshot);
        if (problem is not null)
            return new(problem);
        await writer.Write(snapshot, ct);
        await db.SaveChangesAsync(ct); // the final inventories are checked against the new allocations

        foreach (var (provider, wanted) in targets)
        {
            await ProviderGenerations.Bump(db, provider.Id, null, ct);
            var inUse = await ProviderInventories.Replace(db, provider.Id, wanted.Inventories, classIds, now, ct);
            if (inUse.Count > 0)
                return Fail(409, PlacementProblem.InventoryInUse,
                    $"update conflict: Inventory for '{string.Join(", ", inUse)}' on resource provider '{wanted.ProviderUuid}' in use.");
        }
        return new(null);
    }
}
