using System.Threading.Channels;
using Contracts.Placement;
using MassTransit;

namespace Workers.Queue;

/// <summary>
/// Capacity that jobs gave back (done, or deleted while running): this worker's admission loop wakes at once, and the
/// other workers hear of it through <see cref="CapacityFreed"/> events that gather what was freed over
/// <see cref="Gather"/>. The worker that committed the change runs the pass that can use it, so for the others the
/// event is only a nudge, and one per finished job was a third of the broker's messages at 250 finishes a second.
/// An announcement not yet published when the worker stops is a lost nudge: the sweep reaches that capacity anyway.
/// </summary>
public sealed class CapacityAnnouncer(IBus bus, AdmissionSignal admission, ILogger<CapacityAnnouncer> logger) : BackgroundService
{
    /// <summary>How long an announcement waits for more to go with it.</summary>
    public static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(50);

    readonly Channel<(IReadOnlyList<Guid> Providers, string Reason)> freed =
        Channel.CreateUnbounded<(IReadOnlyList<Guid>, string)>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>After the commit that gave the providers' capacity back.</summary>
    public void Freed(IReadOnlyList<Guid> providers, string reason)
    {
        admission.Wake();
        freed.Writer.TryWrite((providers, reason));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var providers = new HashSet<Guid>();
        var reasons = new SortedSet<string>(StringComparer.Ordinal);
        try
        {
            while (await freed.Reader.WaitToReadAsync(stoppingToken))
            {
                await Task.Delay(Gather, stoppingToken);
                providers.Clear();
                reasons.Clear();
                while (freed.Reader.TryRead(out var change))
                {
                    providers.UnionWith(change.Providers);
                    reasons.Add(change.Reason);
                }
                try
                {
                    await bus.Publish(new CapacityFreed(providers.ToList(), string.Join(", ", reasons)), stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Announcing capacity freed on {Providers} providers failed; the sweep reaches it", providers.Count);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
