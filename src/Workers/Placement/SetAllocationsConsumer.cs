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
            var command = context.Message;
            var (consumers, refused) = await writer.Consumers(command.Consumers, command.CheckConsumerGenerations, command.TypedConsumers, ct);
            if (refused is not null)
                return new AllocationsResult(refused);
            var (lines, missing) = await writer.Lines(consumers, ct);
            if (missing is not null)
                return new AllocationsResult(missing);
            var consumerUuid = command.Consumers[0].ConsumerUuid;
            (var problem, freed) = await writer.Replace(consumers, lines, unknown => new PlacementProblem(400, PlacementProblem.UndefinedCode,
                command.SingleConsumer
                    ? $"Unable to allocate inventory for consumer {consumerUuid}: No such resource class {unknown}."
                    : $"Unable to allocate inventory No such resource class {unknown}."), ct);
            return new AllocationsResult(problem);
        }, r => r.Problem is not null);
        await context.RespondAsync(result);
        // Claims take capacity; only allocations that shrank or went free some, and wake admission.
        if (result.Problem is null && freed.Count > 0)
            await context.Publish(new CapacityFreed(freed, "allocations reduced"));
    }
}
