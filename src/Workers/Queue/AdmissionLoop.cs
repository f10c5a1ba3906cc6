namespace Workers.Queue;

/// <summary>
/// Runs admission passes when woken (<see cref="AdmissionSignal"/>), one at a time in this process. A pass whose
/// plan went stale under concurrent writes asks for another at once, a few times in a row at most; after that the
/// next event or the periodic sweep tries again.
/// </summary>
public sealed class AdmissionLoop(AdmissionSignal signal, IServiceScopeFactory scopes, ILogger<AdmissionLoop> logger) : BackgroundService
{
    const int ImmediateRetries = 3;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retries = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (retries == 0 && !await signal.WaitAsync(stoppingToken))
                return;
            signal.Take();
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var again = await scope.ServiceProvider.GetRequiredService<AdmissionPass>().Run(stoppingToken);
                retries = again && retries < ImmediateRetries ? retries + 1 : 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The database or the broker is away; the sweep wakes the loop again.
                logger.LogWarning(e, "Admission pass failed; the next wake-up retries");
                retries = 0;
                await Task.Delay(TimeSpan.FromMilliseconds(200), stoppingToken);
            }
        }
    }
}
