using Contracts.Placement;
using MassTransit;
using Workers.Data;

namespace Workers.Placement;

public sealed class CreateResourceClassConsumer(ServiceDb db, Inbox.Inbox inbox, TimeProvider clock) : IConsumer<CreateResourceClass>
{
    public async Task Consume(ConsumeContext<CreateResourceClass> context) =>
        await context.RespondAsync(await inbox.Apply(context, ct => Create(context.Message.Name, ct), r => r.Problem is not null));

    async Task<ResourceClassResult> Create(string name, CancellationToken ct)
    {
        if (await ResourceClassRules.Find(db, name, ct) is not null)
            return new(null, false, new PlacementProblem(409, PlacementProblem.UndefinedCode, $"Conflicting resource class already exists: {name}"));
        var record = await ResourceClassRules.Add(db, name, clock.GetUtcNow().UtcDateTime, ct);
        return new(ResourceClassRules.ToContract(record), true, null);
    }
}
