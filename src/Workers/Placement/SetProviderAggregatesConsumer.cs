using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

/// <summary>
/// PUT of a provider's aggregates. From 1.19 the generation is checked and always moves, even for the same set, as
/// Placement does; before 1.19 it is neither checked nor moved. Aggregates are rows created on first mention and
/// kept (Placement never removes them); two writers creating one meet the unique index and the inbox re-runs one.
/// </summary>
public sealed class SetProviderAggregatesConsumer(ServiceDb db, Inbox.Inbox inbox, TimeProvider clock) : IConsumer<SetProviderAggregates>
{
    public async Task Consume(ConsumeContext<SetProviderAggregates> context)
    {
        var result = await inbox.Apply(context, ct => Set(context.Message, ct), r => r.Problem is not null);
        await context.RespondAsync(result);
        if (result.Problem is null)
            await context.Publish(new CapacityFreed([context.Message.ProviderUuid], "aggregates set"));
    }

    async Task<ProviderAggregatesResult> Set(SetProviderAggregates command, CancellationToken ct)
    {
        ProviderAggregatesResult Fail(PlacementProblem problem) => new(0, [], problem);
        if (await ProviderLocks.Lock(db, command.ProviderUuid, ct) is not (var providerId, var generation))
            return Fail(ProviderViews.NotFound(command.ProviderUuid));
        if (command.Generation is { } expected && expected != generation)
            return Fail(new PlacementProblem(409, PlacementProblem.ConcurrentUpdate,
                "Resource provider's generation already changed. Please update the generation and try again."));

        var wanted = command.Aggregates.Distinct().ToList();
        var known = await db.Aggregates.Where(a => wanted.Contains(a.Uuid)).ToDictionaryAsync(a => a.Uuid, a => a.Id, ct);
        var created = wanted.Where(uuid => !known.ContainsKey(uuid))
            .Select(uuid => new AggregateRecord { Uuid = uuid, CreatedAt = clock.GetUtcNow().UtcDateTime }).ToList();
        db.Aggregates.AddRange(created);
        await db.SaveChangesAsync(ct);
        foreach (var aggregate in created)
            known[aggregate.Uuid] = aggregate.Id;

        var existing = await db.ProviderAggregates.Where(x => x.ResourceProviderId == providerId).ToListAsync(ct);
        var wantedIds = known.Values.ToHashSet();
        db.ProviderAggregates.RemoveRange(existing.Where(x => !wantedIds.Contains(x.AggregateId)));
        db.ProviderAggregates.AddRange(wantedIds.Except(existing.Select(x => x.AggregateId))
            .Select(id => new ProviderAggregateRecord { ResourceProviderId = providerId, AggregateId = id }));
        await db.SaveChangesAsync(ct);
        if (command.Generation is not null)
            generation = (await ProviderGenerations.Bump(db, providerId, generation, ct))!.Value; // under our lock: cannot miss
        return new ProviderAggregatesResult(generation, command.Aggregates, null);
    }
}
