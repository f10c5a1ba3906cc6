using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

/// <summary>
/// PUT /traits/{name}: finds or creates the trait. Two creators of one name meet the unique index; the inbox re-runs
/// the loser, which then finds the winner's trait.
/// </summary>
public sealed class EnsureTraitConsumer(ServiceDb db, Inbox.Inbox inbox, TimeProvider clock) : IConsumer<EnsureTrait>
{
    public async Task Consume(ConsumeContext<EnsureTrait> context) =>
        await context.RespondAsync(await inbox.Apply(context, ct => Ensure(context.Message.Name, ct)));

    async Task<TraitResult> Ensure(string name, CancellationToken ct)
    {
        var existing = await db.Traits.AsNoTracking().SingleOrDefaultAsync(x => x.Name == name, ct);
        if (existing is not null)
            return new TraitResult(existing.CreatedAt, false, null);
        var trait = new TraitRecord { Name = name, CreatedAt = clock.GetUtcNow().UtcDateTime };
        db.Traits.Add(trait);
        await db.SaveChangesAsync(ct);
        return new TraitResult(trait.CreatedAt, true, null);
    }
}
