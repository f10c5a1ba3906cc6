using System.Threading.Channels;

namespace Workers.Queue;

/// <summary>
/// Wakes this worker's admission loop. Wake-ups coalesce: however many arrive while a pass runs, one more pass
/// follows, and it sees all of their commits. A wake-up for capacity while the queue is known to be empty starts no
/// pass: the queue is known empty when a pass found no queued job and no wake-up that may have queued one (a job
/// queued, a sweep) came after that pass began.
/// </summary>
public sealed class AdmissionSignal
{
    readonly Channel<bool> wakeups = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    long queueChanges;
    long emptyAsOf = -1;

    /// <summary>Capacity may have come back.</summary>
    public void Wake() => wakeups.Writer.TryWrite(true);

    /// <summary>A queue may have changed (a job queued, reprioritised or deleted), or anything may have (the sweep).</summary>
    public void QueueChanged()
    {
        Interlocked.Increment(ref queueChanges);
        Wake();
    }

    public ValueTask<bool> WaitAsync(CancellationToken ct) => wakeups.Reader.WaitToReadAsync(ct);

    /// <summary>Takes the pending wake-up, if any: the pass about to start answers it.</summary>
    public void Take() => wakeups.Reader.TryRead(out _);

    /// <summary>Taken as a pass begins, and given back to <see cref="FoundEmpty"/> if it found no queued job.</summary>
    public long QueueVersion => Interlocked.Read(ref queueChanges);

    public void FoundEmpty(long queueVersion) => Interlocked.Exchange(ref emptyAsOf, queueVersion);

    /// <summary>No job was queued when a pass last read, and nothing since may have queued one.</summary>
    public bool QueueKnownEmpty => Interlocked.Read(ref emptyAsOf) == QueueVersion;
}
