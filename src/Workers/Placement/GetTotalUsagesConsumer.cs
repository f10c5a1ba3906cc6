using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

/// <summary>
/// A project's usage, as Placement sums it: per resource class; from 1.38 per consumer type too, with the number
/// of distinct consumers (for <c>all</c> and <c>unknown</c>, one count over the whole selection).
/// </summary>
public sealed class GetTotalUsagesConsumer(ServiceDb db) : IConsumer<GetTotalUsages>
{
    public async Task Consume(ConsumeContext<GetTotalUsages> context)
    {
        var query = context.Message;
        var ct = context.CancellationToken;
        var selected = from a in db.Allocations
                       join c in db.Consumers on a.ConsumerUuid equals c.Uuid
                       join p in db.Projects on c.ProjectId equals p.Id
                       join u in db.Users on c.UserId equals u.Id
                       join rc in db.ResourceClasses on a.ResourceClassId equals rc.Id
                       join t in db.ConsumerTypes on c.ConsumerTypeId equals t.Id into types
                       from t in types.DefaultIfEmpty()
                       where p.ExternalId == query.ProjectId && (query.UserId == null || u.ExternalId == query.UserId)
                       select new { ConsumerId = a.ConsumerUuid, a.Used, Class = rc.Name, ClassId = rc.Id, c.ConsumerTypeId, Type = t == null ? null : t.Name };

        List<TotalUsages.Row> rows;
        if (!query.ByConsumerType)
        {
            rows = (await selected.GroupBy(x => new { x.ClassId, x.Class }).Select(g => new { g.Key.Class, Used = g.Sum(x => (long)x.Used) }).ToListAsync(ct))
                .Select(x => new TotalUsages.Row(null, x.Class, x.Used, 0)).ToList();
        }
        else if (query.ConsumerType is "all" or "unknown")
        {
            if (query.ConsumerType == "unknown")
                selected = selected.Where(x => x.ConsumerTypeId == null);
            var consumers = await selected.Select(x => x.ConsumerId).Distinct().LongCountAsync(ct);
            rows = (await selected.GroupBy(x => new { x.ClassId, x.Class }).Select(g => new { g.Key.Class, Used = g.Sum(x => (long)x.Used) }).ToListAsync(ct))
                .Select(x => new TotalUsages.Row(query.ConsumerType, x.Class, x.Used, consumers)).ToList();
        }
        else
        {
            if (query.ConsumerType is { } type)
                selected = selected.Where(x => x.Type == type);
            var all = await selected.ToListAsync(ct);
            var consumersByType = all.GroupBy(x => x.Type).ToDictionary(g => g.Key ?? "", g => (long)g.Select(x => x.ConsumerId).Distinct().Count());
            rows = all.GroupBy(x => new { x.Class, x.Type })
                .Select(g => new TotalUsages.Row(g.Key.Type, g.Key.Class, g.Sum(x => (long)x.Used), consumersByType[g.Key.Type ?? ""]))
                .ToList();
        }
        await context.RespondAsync(new TotalUsages(rows));
    }
}
