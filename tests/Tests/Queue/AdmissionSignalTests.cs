using Workers.Queue;

namespace Tests.Queue;

/// <summary>
/// Capacity coming back wakes no pass while the queue is known to be empty; anything that may have queued a job since
/// the pass that found it empty began (a job queued, the sweep) does.
/// </summary>
public sealed class AdmissionSignalTests
{
    [Fact]
    public void A_new_worker_does_not_know_the_queue_empty()
    {
        Assert.False(new AdmissionSignal().QueueKnownEmpty);
    }

    [Fact]
    public void After_a_pass_found_the_queue_empty_capacity_wakes_do_not_change_that_but_a_queue_change_does()
    {
        var signal = new AdmissionSignal();
        signal.FoundEmpty(signal.QueueVersion);
        Assert.True(signal.QueueKnownEmpty);

        signal.Wake();
        Assert.True(signal.QueueKnownEmpty);

        signal.QueueChanged();
        Assert.False(signal.QueueKnownEmpty);
    }

    [Fact]
    public void A_job_queued_while_the_pass_that_found_nothing_ran_keeps_the_queue_unknown()
    {
        var signal = new AdmissionSignal();
        var asOfPassStart = signal.QueueVersion;
        signal.QueueChanged(); // committed after the pass read the queue
        signal.FoundEmpty(asOfPassStart);

        Assert.False(signal.QueueKnownEmpty);
    }

    [Fact]
    public async Task A_queue_change_also_wakes_the_loop()
    {
        var signal = new AdmissionSignal();
        signal.QueueChanged();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        Assert.True(await signal.WaitAsync(timeout.Token));
    }
}
