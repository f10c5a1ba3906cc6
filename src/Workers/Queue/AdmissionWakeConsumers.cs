using Contracts.Placement;
using Contracts.Queue;
using MassTransit;

namespace Workers.Queue;

/// <summary>Capacity came back (allocations deleted or shrunk, inventory grown, traits or aggregates changed): try to admit.</summary>
public sealed class CapacityFreedConsumer(AdmissionSignal admission) : IConsumer<CapacityFreed>
{
    public Task Consume(ConsumeContext<CapacityFreed> context)
    {
        admission.Wake();
        return Task.CompletedTask;
    }
}

/// <summary>A queue changed (a job queued, reprioritised or deleted): try to admit.</summary>
public sealed class QueueChangedConsumer(AdmissionSignal admission) : IConsumer<QueueChanged>
{
    public Task Consume(ConsumeContext<QueueChanged> context)
    {
        admission.Wake();
        return Task.CompletedTask;
    }
}
