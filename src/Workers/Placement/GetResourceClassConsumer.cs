using Contracts.Placement;
using MassTransit;
using Workers.Data;

namespace Workers.Placement;

public sealed class GetResourceClassConsumer(ServiceDb db) : IConsumer<GetResourceClass>
{
    public async Task Consume(ConsumeContext<GetResourceClass> context)
    {
        var name = context.Message.Name;
        var record = await ResourceClassRules.Find(db, name, context.CancellationToken);
        await context.RespondAsync(record is null
            ? new ResourceClassResult(null, false, ResourceClassRules.NotFound(name))
            : new ResourceClassResult(ResourceClassRules.ToContract(record), false, null));
    }
}
