namespace Workers.Queue;

/// <summary>
/// Runs admission passes when woken (<see cref="AdmissionSignal"/>), one at a time in this process. A pass whose
/// plan went stale under concurrent writes asks for another at once, a few times in a row at most; after that the
/// next event or the periodic sweep tries again. A pass that admitted jobs and stopped at the end of what it read of
/// the queue is followed by another at once, until one reads to where nothing more fits. Capacity coming back while no
/// job is queued starts no pass (<see cref="AdmissionSignal.QueueKnownEmpty"/>).
/// </summary>
public sealed class AdmissionLoop(AdmissionSignal signal, IServiceScopeFactory scopes, ILogger<AdmissionLoop> logger) : BackgroundService
{
    const int ImmediateRetries = 3;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var (retries, again) = (0, false);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!again && !await signal.WaitAsync(stoppingToken))
                return;
            signal.Take();
            if (!again && signal.QueueKnownEmpty)
                continue; // capacity came back, but nothing waits for it
            var queueVersion = signal.QueueVersion;
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var (stale, more, empty) = await scope.ServiceProvider.GetRequiredService<AdmissionPass>().Run(stoppingToken);
                if (empty)
                    signal.FoundEmpty(queueVersion);
                // A pass that admitted and stopped at the end of what it read always goes on: it made progress.
                retries = stale ? retries + 1 : 0;
                again = more || stale && retries <= ImmediateRetries;
                if (!again)
                    retries = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The database or the broker is away; the sweep wakes the loop again.
                logger.LogWarning(e, "Admission pass failed; the next wake-up retries");
                (retries, again) = (0, false);
                await Task.Delay(TimeSpan.FromMilliseconds(200), stoppingToken);
            }
        }
    }
}
