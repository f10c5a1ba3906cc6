using System.Threading.Channels;

namespace Workers.Queue;

/// <summary>
/// Wakes this worker's admission loop. Wake-ups coalesce: however many arrive while a pass runs, one more pass
/// follows, and it sees all of their commits.
/// </summary>
public sealed class AdmissionSignal
{
    readonly Channel<bool> wakeups = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    public void Wake() => wakeups.Writer.TryWrite(true);

    public ValueTask<bool> WaitAsync(CancellationToken ct) => wakeups.Reader.WaitToReadAsync(ct);

    /// <summary>Takes the pending wake-up, if any: the pass about to start answers it.</summary>
    public void Take() => wakeups.Reader.TryRead(out _);
}
