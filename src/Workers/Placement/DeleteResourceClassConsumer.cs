using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

public sealed class DeleteResourceClassConsumer(ServiceDb db, Inbox.Inbox inbox) : IConsumer<DeleteResourceClass>
{
    public async Task Consume(ConsumeContext<DeleteResourceClass> context) =>
        await context.RespondAsync(await inbox.Apply(context, ct => Delete(context.Message.Name, ct), r => r.Problem is not null));

    async Task<ResourceClassResult> Delete(string name, CancellationToken ct)
    {
        var record = await ResourceClassRules.Find(db, name, ct);
        if (record is null)
            return new(null, false, ResourceClassRules.NotFound(name));
        if (ResourceClassRules.IsStandard(record))
            return new(null, false, new PlacementProblem(400, PlacementProblem.UndefinedCode,
                $"Error in delete resource class: Cannot delete standard resource class {name}."));
        // An inventory of the class is the in-use test (allocations need an inventory); the inventories' foreign key backs it.
        if (await db.Inventories.AnyAsync(x => x.ResourceClassId == record.Id, ct))
            return new(null, false, new PlacementProblem(409, PlacementProblem.UndefinedCode,
                $"Error in delete resource class: Cannot delete resource class {name}. Class is in use in inventory."));
        db.ResourceClasses.Remove(record);
        await db.SaveChangesAsync(ct);
        return new(ResourceClassRules.ToContract(record), false, null);
    }
}
