using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

/// <summary>
/// PUT (and, without a generation, DELETE) of a provider's traits. As in Placement the generation moves only when
/// the set changes; the provider's row lock is taken first, so the comparison and the change see the same set.
/// </summary>
public sealed class SetProviderTraitsConsumer(ServiceDb db, Inbox.Inbox inbox) : IConsumer<SetProviderTraits>
{
    public async Task Consume(ConsumeContext<SetProviderTraits> context)
    {
        var result = await inbox.Apply(context, ct => Set(context.Message, ct), r => r.Problem is not null);
        await context.RespondAsync(result);
        if (result.Problem is null)
            await context.Publish(new CapacityFreed([context.Message.ProviderUuid], "traits set"));
    }

    async Task<ProviderTraitsResult> Set(SetProviderTraits command, CancellationToken ct)
    {
        ProviderTraitsResult Fail(PlacementProblem problem) => new(0, [], null, problem);
        if (await ProviderLocks.Lock(db, command.ProviderUuid, ct) is not (var providerId, var generation))
            return Fail(ProviderViews.NotFound(command.ProviderUuid));
        if (command.Generation is { } expected && expected != generation)
            return Fail(new PlacementProblem(409, PlacementProblem.ConcurrentUpdate,
                "Resource provider's generation already changed. Please update the generation and try again."));

        var wanted = command.Traits.Distinct().ToList();
        var traits = await db.Traits.AsNoTracking().Where(t => wanted.Contains(t.Name)).OrderBy(t => t.Id).ToListAsync(ct);
        if (wanted.Except(traits.Select(t => t.Name)).ToList() is { Count: > 0 } unknown)
            return Fail(new PlacementProblem(400, PlacementProblem.UndefinedCode, $"No such trait {string.Join(", ", unknown)}"));

        var wantedIds = traits.Select(t => t.Id).ToHashSet();
        var existing = await db.ProviderTraits.Where(x => x.ResourceProviderId == providerId).ToListAsync(ct);
        var removed = existing.Where(x => !wantedIds.Contains(x.TraitId)).ToList();
        var added = wantedIds.Except(existing.Select(x => x.TraitId)).ToList();
        if (removed.Count > 0 || added.Count > 0)
        {
            generation = (await ProviderGenerations.Bump(db, providerId, generation, ct))!.Value; // under our lock: cannot miss
            db.ProviderTraits.RemoveRange(removed);
            db.ProviderTraits.AddRange(added.Select(id => new ProviderTraitRecord { ResourceProviderId = providerId, TraitId = id }));
            await db.SaveChangesAsync(ct);
        }
        return new ProviderTraitsResult(generation, traits.Select(t => t.Name).ToList(),
            traits.Count == 0 ? null : traits.Max(t => t.UpdatedAt ?? t.CreatedAt), null);
    }
}
