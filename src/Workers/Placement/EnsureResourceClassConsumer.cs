using Contracts.Placement;
using MassTransit;
using Workers.Data;

namespace Workers.Placement;

public sealed class EnsureResourceClassConsumer(ServiceDb db, Inbox.Inbox inbox, TimeProvider clock) : IConsumer<EnsureResourceClass>
{
    public async Task Consume(ConsumeContext<EnsureResourceClass> context) =>
        await context.RespondAsync(await inbox.Apply(context, ct => Ensure(context.Message.Name, ct)));

    async Task<ResourceClassResult> Ensure(string name, CancellationToken ct)
    {
        if (await ResourceClassRules.Find(db, name, ct) is { } existing)
            return new(ResourceClassRules.ToContract(existing), false, null);
        var record = await ResourceClassRules.Add(db, name, clock.GetUtcNow().UtcDateTime, ct);
        return new(ResourceClassRules.ToContract(record), true, null);
    }
}
