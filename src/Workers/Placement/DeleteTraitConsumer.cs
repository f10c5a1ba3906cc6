using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

/// <summary>
/// DELETE /traits/{name}, with Placement's checks in its order: unknown (404), not custom (400), on a provider (409).
/// A provider gaining the trait meanwhile fails the delete on the foreign key; the re-run then sees it in use.
/// </summary>
public sealed class DeleteTraitConsumer(ServiceDb db, Inbox.Inbox inbox) : IConsumer<DeleteTrait>
{
    public async Task Consume(ConsumeContext<DeleteTrait> context) =>
        await context.RespondAsync(await inbox.Apply(context, ct => Delete(context.Message.Name, ct), r => r.Problem is not null));

    async Task<TraitResult> Delete(string name, CancellationToken ct)
    {
        TraitResult Fail(int status, string detail) => new(null, false, new PlacementProblem(status, PlacementProblem.UndefinedCode, detail));
        var trait = await db.Traits.AsNoTracking().SingleOrDefaultAsync(x => x.Name == name, ct);
        if (trait is null)
            return Fail(404, $"No such trait(s): {name}.");
        // Placement tells standard from custom by the prefix alone.
        if (!name.StartsWith(StandardNames.CustomPrefix, StringComparison.Ordinal))
            return Fail(400, $"Cannot delete standard trait {name}.");
        if (await db.ProviderTraits.AnyAsync(x => x.TraitId == trait.Id, ct))
            return Fail(409, $"The trait {name} is in use by a resource provider.");
        await db.Traits.Where(x => x.Id == trait.Id).ExecuteDeleteAsync(ct);
        return new TraitResult(trait.CreatedAt, false, null);
    }
}
