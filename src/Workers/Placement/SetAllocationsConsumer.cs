using Contracts.Placement;
using MassTransit;

namespace Workers.Placement;

/// <summary>PUT /allocations/{consumer} and POST /allocations: the consumers' allocations replaced, all or nothing.</summary>
public sealed class SetAllocationsConsumer(AllocationWriter writer, Inbox.Inbox inbox) : IConsumer<SetAllocations>
{
    public async Task Consume(ConsumeContext<SetAllocations> context)
    {
        List<Guid> freed = [];
        var result = await inbox.Apply(context, async ct =>
        {
            var command = PlannerCommand(context.Message);
            var snapshot = await writer.Load([command], [], ct);
            var (lines, problem) = AllocationPlanner.Check(command, snapshot);
            if (problem is null)
                (problem, freed) = AllocationPlanner.Allocate(command, lines, snapshot);
            if (problem is null)
                await writer.Write(snapshot, ct);
            return new AllocationsResult(problem);
        }, r => r.Problem is not null);
        await context.RespondAsync(result);
        // Claims take capacity; only allocations that shrank or went free some, and wake admission.
        if (result.Problem is null && freed.Count > 0)
            await context.Publish(new CapacityFreed(freed, "allocations reduced"));
    }

    public static AllocationPlanner.Command PlannerCommand(SetAllocations command) => new(command.Consumers,
        command.CheckConsumerGenerations, command.TypedConsumers,
        command.SingleConsumer ? AllocationPlanner.Wording.Put : AllocationPlanner.Wording.Post);
}
