using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

public sealed class ListResourceClassesConsumer(ServiceDb db) : IConsumer<ListResourceClasses>
{
    public async Task Consume(ConsumeContext<ListResourceClasses> context)
    {
        var classes = await db.ResourceClasses.AsNoTracking().OrderBy(x => x.Id).ToListAsync(context.CancellationToken);
        await context.RespondAsync(new ResourceClassList(classes.Select(ResourceClassRules.ToContract).ToList()));
    }
}
