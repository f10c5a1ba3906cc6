using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

public sealed class GetTraitConsumer(ServiceDb db) : IConsumer<GetTrait>
{
    public async Task Consume(ConsumeContext<GetTrait> context)
    {
        var name = context.Message.Name;
        var trait = await db.Traits.AsNoTracking().SingleOrDefaultAsync(x => x.Name == name, context.CancellationToken);
        await context.RespondAsync(trait is null
            ? new TraitResult(null, false, new PlacementProblem(404, PlacementProblem.UndefinedCode, $"No such trait(s): {name}."))
            : new TraitResult(trait.CreatedAt, false, null));
    }
}
