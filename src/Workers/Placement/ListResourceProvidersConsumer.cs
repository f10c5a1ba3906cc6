using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

/// <summary>
/// Filters in Placement's order, which decides the answer when several are wrong: a filter that matches nothing
/// ends the search with an empty list before later filters are even resolved (so an unknown resource class after
/// an unmatched trait is not an error).
/// </summary>
public sealed class ListResourceProvidersConsumer(ServiceDb db) : IConsumer<ListResourceProviders>
{
    public async Task Consume(ConsumeContext<ListResourceProviders> context) =>
        await context.RespondAsync(await List(context.Message, context.CancellationToken));

    async Task<ResourceProviderList> List(ListResourceProviders query, CancellationToken ct)
    {
        var none = new ResourceProviderList([]);
        var providers = db.ResourceProviders.AsNoTracking();
        if (!string.IsNullOrEmpty(query.Name))
            providers = providers.Where(x => x.Name == query.Name);
        if (!string.IsNullOrEmpty(query.Uuid))
        {
            var id = (await ProviderViews.FindByStoredUuid(db, query.Uuid, ct))?.Id ?? -1;
            providers = providers.Where(x => x.Id == id);
        }
        if (!string.IsNullOrEmpty(query.InTree))
        {
            // An unknown tree is an empty list, not an error.
            if (await ProviderViews.FindByStoredUuid(db, query.InTree, ct) is not { } member)
                return none;
            providers = providers.Where(x => x.RootId == member.RootId);
        }
        if (query.RequiredTraits is { Count: > 0 } required)
        {
            var ids = await TraitIds(required.SelectMany(x => x), ct);
            if (ids.Problem is { } unknown)
                return new([], unknown);
            var withTraits = db.ResourceProviders.AsQueryable();
            foreach (var anyOf in required)
            {
                var traitIds = anyOf.Select(t => ids.Ids[t]).ToList();
                withTraits = withTraits.Where(p => db.ProviderTraits.Any(pt => pt.ResourceProviderId == p.Id && traitIds.Contains(pt.TraitId)));
            }
            // Placement finds the providers with the traits among all providers and stops when there are none.
            if (!await withTraits.AnyAsync(ct))
                return none;
            providers = providers.Where(p => withTraits.Any(w => w.Id == p.Id));
        }
        if (query.ForbiddenTraits is { Count: > 0 } forbidden)
        {
            var ids = await TraitIds(forbidden, ct);
            if (ids.Problem is { } unknown)
                return new([], unknown);
            var traitIds = ids.Ids.Values.ToList();
            providers = providers.Where(p => !db.ProviderTraits.Any(pt => pt.ResourceProviderId == p.Id && traitIds.Contains(pt.TraitId)));
        }
        if (query.MemberOf is { Count: > 0 } memberOf)
        {
            var inAggregates = db.ResourceProviders.AsQueryable();
            foreach (var anyOf in memberOf)
            {
                var aggregates = anyOf.ToList();
                inAggregates = inAggregates.Where(p => db.ProviderAggregates.Any(pa => pa.ResourceProviderId == p.Id &&
                    db.Aggregates.Any(a => a.Id == pa.AggregateId && aggregates.Contains(a.Uuid))));
            }
            if (!await inAggregates.AnyAsync(ct))
                return none;
            providers = providers.Where(p => inAggregates.Any(w => w.Id == p.Id));
        }
        if (query.ForbiddenAggregates is { Count: > 0 } forbiddenAggregates)
        {
            var aggregates = forbiddenAggregates.ToList();
            providers = providers.Where(p => !db.ProviderAggregates.Any(pa => pa.ResourceProviderId == p.Id &&
                db.Aggregates.Any(a => a.Id == pa.AggregateId && aggregates.Contains(a.Uuid))));
        }
        foreach (var (resourceClass, amount) in query.Resources ?? [])
        {
            var classId = await db.ResourceClasses.Where(x => x.Name == resourceClass).Select(x => (int?)x.Id).SingleOrDefaultAsync(ct);
            if (classId is null)
                return new([], new PlacementProblem(400, PlacementProblem.UndefinedCode,
                    $"Invalid resource class in resources parameter: No such resource class {resourceClass}."));
            // Placement's capacity test: what is used plus the amount within (total - reserved) * ratio, and the
            // amount within min_unit..max_unit and a multiple of step_size.
            providers = providers.Where(p => db.Inventories.Any(i => i.ResourceProviderId == p.Id && i.ResourceClassId == classId
                && (db.Allocations.Where(a => a.ResourceProviderId == p.Id && a.ResourceClassId == classId).Sum(a => (long?)a.Used) ?? 0) + amount
                    <= (i.Total - i.Reserved) * i.AllocationRatio
                && i.MinUnit <= amount && i.MaxUnit >= amount && amount % i.StepSize == 0));
        }
        return new ResourceProviderList(await ProviderViews.Of(providers, db).ToListAsync(ct));
    }

    async Task<(Dictionary<string, int> Ids, PlacementProblem? Problem)> TraitIds(IEnumerable<string> names, CancellationToken ct)
    {
        var wanted = names.Distinct().ToList();
        var ids = await db.Traits.Where(t => wanted.Contains(t.Name)).ToDictionaryAsync(t => t.Name, t => t.Id, ct);
        var missing = wanted.FirstOrDefault(n => !ids.ContainsKey(n));
        return missing is null
            ? (ids, null)
            : (ids, new PlacementProblem(400, PlacementProblem.UndefinedCode, $"Invalid trait(s) in \"required\" parameter: No such trait(s): {missing}."));
    }
}
