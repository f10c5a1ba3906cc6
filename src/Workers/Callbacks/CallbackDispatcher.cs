using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Contracts.Queue;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workers.Data;
using Workers.Queue;

namespace Workers.Callbacks;

/// <summary>
/// Sends pending callback deliveries and records every attempt on the delivery's row. Deliveries this worker
/// created (an admission it committed) are sent at once; the rest are found by polling for due rows, which this
/// worker claims for a lease (<see cref="Lease"/>) so that no two workers send one at the same time, and a worker
/// that dies mid-delivery only delays it. Delivery is at least once: a worker killed after sending and before
/// recording leaves the row due, and the receiver sees the same <c>X-Queue-Delivery</c> again.
/// </summary>
public sealed class CallbackDispatcher(
    IServiceScopeFactory scopes,
    CallbackSender sender,
    CallbackRetryPolicy retries,
    IOptions<CallbackOptions> options,
    WorkerIdentity worker,
    AdmissionSignal admission,
    TimeProvider clock,
    ILogger<CallbackDispatcher> logger) : BackgroundService
{
    /// <summary>Attempts in flight at once in this worker.</summary>
    const int Concurrency = 64;
    static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    readonly Channel<Guid> ready = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });
    readonly SemaphoreSlim slots = new(Concurrency, Concurrency);

    /// <summary>How long a claim on a delivery lasts: one attempt's timeout and a margin to record it.</summary>
    public static TimeSpan Lease(CallbackOptions options) => options.Timeout + TimeSpan.FromSeconds(5);

    /// <summary>Deliveries this worker has claimed and committed: send them now.</summary>
    public void SendNow(IEnumerable<Guid> deliveries)
    {
        foreach (var id in deliveries)
            ready.Writer.TryWrite(id);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Send(stoppingToken), Poll(stoppingToken));

    async Task Send(CancellationToken ct)
    {
        try
        {
            await foreach (var id in ready.Reader.ReadAllAsync(ct))
            {
                await slots.WaitAsync(ct);
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await Attempt(id, ct);
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                    {
                        // The row keeps it: when the lease ends, a poller (this worker's or another's) tries again.
                        logger.LogWarning(e, "Callback delivery {DeliveryId} could not be attempted or recorded", id);
                    }
                    finally
                    {
                        slots.Release();
                    }
                }, CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Claims due deliveries nobody holds, as many as there are free slots.</summary>
    async Task Poll(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(PollInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    SendNow(await ClaimDue(slots.CurrentCount, ct));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Polling for due callback deliveries failed");
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    async Task<List<Guid>> ClaimDue(int room, CancellationToken ct)
    {
        if (room == 0)
            return [];
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ServiceDb>();
        var now = clock.GetUtcNow().UtcDateTime;
        var due = await db.CallbackDeliveries.AsNoTracking()
            .Where(d => d.State == DeliveryState.Pending && d.NextAttemptAt <= now && (d.ClaimedUntil == null || d.ClaimedUntil < now))
            .OrderBy(d => d.NextAttemptAt).Select(d => d.Id).Take(room).ToListAsync(ct);
        var until = now + Lease(options.Value);
        var claimed = new List<Guid>();
        foreach (var id in due)
        {
            // Conditional on nobody holding it: of two workers polling at once, one updates the row.
            var won = await db.CallbackDeliveries
                .Where(d => d.Id == id && d.State == DeliveryState.Pending && (d.ClaimedUntil == null || d.ClaimedUntil < now))
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.ClaimedBy, worker.Name).SetProperty(d => d.ClaimedUntil, until), ct);
            if (won == 1)
                claimed.Add(id);
        }
        return claimed;
    }

    /// <summary>One attempt of a delivery this worker holds, and its record.</summary>
    async Task Attempt(Guid id, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ServiceDb>();
        var delivery = await db.CallbackDeliveries.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, ct);
        if (delivery is null || delivery.State != DeliveryState.Pending || delivery.ClaimedBy != worker.Name)
            return;
        var url = await db.Jobs.Where(j => j.Id == delivery.JobId).Select(j => j.Callback).SingleAsync(ct);
        var attempt = await sender.SendAsync(new Uri(url), id.ToString(), Encoding.UTF8.GetBytes(delivery.Body), ct);
        if (await Record(db, id, attempt, ct))
            admission.Wake();
    }

    /// <summary>Stores the attempt and what comes next; true when the job was released (its capacity is free).</summary>
    async Task<bool> Record(ServiceDb db, Guid id, CallbackAttempt attempt, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var delivery = await db.CallbackDeliveries.SingleAsync(d => d.Id == id, ct);
        if (delivery.State != DeliveryState.Pending || delivery.ClaimedBy != worker.Name)
        {
            // The lease ran out and another worker took the delivery over: its attempts are the record.
            logger.LogInformation("Callback delivery {DeliveryId} was taken over before its attempt was recorded", id);
            return false;
        }
        delivery.Attempts++;
        delivery.FirstAttemptAt ??= attempt.At.UtcDateTime;
        delivery.LastError = attempt.Error;
        var history = JsonSerializer.Deserialize<List<DeliveryAttempt>>(delivery.History) ?? [];
        history.Add(new DeliveryAttempt(attempt.At.UtcDateTime, attempt.Status, attempt.Error));
        delivery.History = JsonSerializer.Serialize(history.TakeLast(Deliveries.HistoryLength));
        (delivery.ClaimedBy, delivery.ClaimedUntil) = (null, null);
        switch (attempt.Outcome)
        {
            case CallbackOutcome.Delivered:
                (delivery.State, delivery.DeliveredAt) = (DeliveryState.Delivered, now);
                break;
            case CallbackOutcome.Retry when retries.Next(delivery.Attempts, new DateTimeOffset(delivery.FirstAttemptAt.Value, TimeSpan.Zero),
                clock.GetUtcNow(), attempt.RetryAfter) is { } next:
                delivery.NextAttemptAt = next.UtcDateTime;
                break;
            default:
                delivery.State = DeliveryState.Failed;
                break;
        }
        var released = delivery.State == DeliveryState.Failed && options.Value.ReleaseOnFailure && await ReleaseJob(db, delivery.JobId, now, ct);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Taken over, or the job finished meanwhile: the row stays due and the next holder attempts it again.
            logger.LogInformation("Callback delivery {DeliveryId} changed while its attempt was recorded; it will be attempted again", id);
            return false;
        }
        await transaction.CommitAsync(ct);
        logger.LogInformation("Callback delivery {DeliveryId} attempt {Attempt}: {Outcome} {Error}",
            id, delivery.Attempts, delivery.State, attempt.Error ?? $"HTTP {attempt.Status}");
        return released;
    }

    /// <summary>The <c>release</c> failure policy: a running job whose callback finally failed gives its resources back.</summary>
    static async Task<bool> ReleaseJob(ServiceDb db, long jobId, DateTime now, CancellationToken ct)
    {
        var job = await db.Jobs.SingleAsync(j => j.Id == jobId, ct);
        if (job.Status != JobStatus.Running)
            return false;
        await JobRelease.Release(db, job.Id, ct);
        (job.Status, job.UpdatedAt, job.ExpiresAt) = (JobStatus.Failed, now, null);
        return true;
    }
}
