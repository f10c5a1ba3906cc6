using Contracts.Placement;
using Contracts.Queue;
using MassTransit;

namespace Workers.Queue;

/// <summary>
/// A worker that publishes a wake-up event (after its commit) wakes its own admission loop at once, without waiting
/// for the broker to bring the event back, and marks the event as its own so that its consumers skip it when it does
/// come back. Other workers wake when it reaches them. A wake-up that could not be published has still woken this worker.
/// </summary>
public sealed class LocalAdmissionWake(AdmissionSignal admission, WorkerIdentity worker) : IPublishObserver
{
    public const string WokenBy = "Admission-Woken-By";

    static bool Wakes<T>(PublishContext<T> context) where T : class => context.Message is CapacityFreed or QueueChanged;

    /// <summary>Events are published after their commit, so the loop wakes as the event leaves, not once the broker has it.</summary>
    public Task PrePublish<T>(PublishContext<T> context) where T : class
    {
        if (Wakes(context))
        {
            context.Headers.Set(WokenBy, worker.Name);
            if (context.Message is QueueChanged)
                admission.QueueChanged();
            else
                admission.Wake();
        }
        return Task.CompletedTask;
    }

    public Task PostPublish<T>(PublishContext<T> context) where T : class => Task.CompletedTask;

    public Task PublishFault<T>(PublishContext<T> context, Exception exception) where T : class => Task.CompletedTask;

    /// <summary>Whether this worker published the event, and so has already woken for it.</summary>
    public static bool Own(ConsumeContext context, WorkerIdentity worker) => context.Headers.Get<string>(WokenBy) == worker.Name;
}

/// <summary>Capacity came back (allocations deleted or shrunk, inventory grown, traits or aggregates changed): try to admit.</summary>
public sealed class CapacityFreedConsumer(AdmissionSignal admission, WorkerIdentity worker) : IConsumer<CapacityFreed>
{
    public Task Consume(ConsumeContext<CapacityFreed> context)
    {
        if (!LocalAdmissionWake.Own(context, worker))
            admission.Wake();
        return Task.CompletedTask;
    }
}

/// <summary>A queue changed (a job queued, reprioritised or deleted): try to admit.</summary>
public sealed class QueueChangedConsumer(AdmissionSignal admission, WorkerIdentity worker) : IConsumer<QueueChanged>
{
    public Task Consume(ConsumeContext<QueueChanged> context)
    {
        if (!LocalAdmissionWake.Own(context, worker))
            admission.QueueChanged();
        return Task.CompletedTask;
    }
}
