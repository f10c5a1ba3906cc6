using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

public sealed class ListTraitsConsumer(ServiceDb db) : IConsumer<ListTraits>
{
    public async Task Consume(ConsumeContext<ListTraits> context)
    {
        var query = context.Message;
        var traits = db.Traits.AsNoTracking();
        if (query.NameIn is { } names)
            traits = traits.Where(t => names.Contains(t.Name));
        if (query.Prefix is { } prefix)
        {
            // Placement filters with an unescaped LIKE 'prefix%', which MySQL and SQLite match ignoring ASCII case
            // ('_' and '%' stay wildcards); upper-casing both sides gives PostgreSQL the same answer.
            var pattern = prefix.ToUpperInvariant() + "%";
            traits = traits.Where(t => EF.Functions.Like(t.Name.ToUpper(), pattern));
        }
        if (query.Associated is true)
            traits = traits.Where(t => db.ProviderTraits.Any(l => l.TraitId == t.Id));
        if (query.Associated is false)
            traits = traits.Where(t => !db.ProviderTraits.Any(l => l.TraitId == t.Id));

        var found = await traits.OrderBy(t => t.Id).Select(t => new { t.Name, Modified = t.UpdatedAt ?? t.CreatedAt }).ToListAsync(context.CancellationToken);
        await context.RespondAsync(new TraitList(found.Select(t => t.Name).ToList(),
            found.Count == 0 ? null : found.Max(t => t.Modified)));
    }
}
