using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

/// <summary>Renames a custom class. Inventories and allocations refer to the class by id, so they follow it.</summary>
public sealed class RenameResourceClassConsumer(ServiceDb db, Inbox.Inbox inbox, TimeProvider clock) : IConsumer<RenameResourceClass>
{
    public async Task Consume(ConsumeContext<RenameResourceClass> context) =>
        await context.RespondAsync(await inbox.Apply(context, ct => Rename(context.Message, ct), r => r.Problem is not null));

    async Task<ResourceClassResult> Rename(RenameResourceClass command, CancellationToken ct)
    {
        var record = await ResourceClassRules.Find(db, command.Name, ct);
        if (record is null)
            return new(null, false, ResourceClassRules.NotFound(command.Name));
        if (ResourceClassRules.IsStandard(record))
            return new(null, false, new PlacementProblem(400, PlacementProblem.UndefinedCode, $"Cannot update standard resource class {command.Name}"));
        if (await db.ResourceClasses.AnyAsync(x => x.Name == command.NewName && x.Id != record.Id, ct))
            return new(null, false, new PlacementProblem(409, PlacementProblem.UndefinedCode, $"Resource class already exists: {command.NewName}"));
        record.Name = command.NewName;
        record.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        return new(ResourceClassRules.ToContract(record), false, null);
    }
}
