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

    readonly Channel<Due> ready = Channel.CreateUnbounded<Due>(new UnboundedChannelOptions { SingleReader = true });
    readonly Channel<(Guid Id, CallbackAttempt Attempt)> outcomes =
        Channel.CreateUnbounded<(Guid, CallbackAttempt)>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>A delivery this worker holds; its URL and body when the caller has them (no need to read them back).</summary>
    public sealed record Due(Guid Id, string? Url = null, string? Body = null);

    /// <summary>Outcomes recorded in one transaction at most.</summary>
    const int RecordBatch = 256;
    readonly SemaphoreSlim slots = new(Concurrency, Concurrency);

    /// <summary>How long a claim on a delivery lasts: one attempt's timeout and a margin to record it.</summary>
    public static TimeSpan Lease(CallbackOptions options) => options.Timeout + TimeSpan.FromSeconds(5);

    /// <summary>Deliveries this worker has claimed and committed: send them now.</summary>
    public void SendNow(IEnumerable<Guid> deliveries) => SendNow(deliveries.Select(id => new Due(id)));

    /// <summary>Deliveries this worker has claimed and committed, with their URLs and bodies: send them now.</summary>
    public void SendNow(IEnumerable<Due> deliveries)
    {
        foreach (var due in deliveries)
            ready.Writer.TryWrite(due);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Send(stoppingToken), Poll(stoppingToken), Record(stoppingToken));

    async Task Send(CancellationToken ct)
    {
        try
        {
            await foreach (var due in ready.Reader.ReadAllAsync(ct))
            {
                await slots.WaitAsync(ct);
                var id = due.Id;
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await Attempt(due, ct);
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

    /// <summary>One attempt of a delivery this worker holds; its outcome goes to <see cref="Record(CancellationToken)"/>.</summary>
    async Task Attempt(Due due, CancellationToken ct)
    {
        var (url, body) = (due.Url, due.Body);
        if (url is null || body is null)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<ServiceDb>();
            var delivery = await db.CallbackDeliveries.AsNoTracking().SingleOrDefaultAsync(d => d.Id == due.Id, ct);
            if (delivery is null || delivery.State != DeliveryState.Pending || delivery.ClaimedBy != worker.Name)
                return;
            url = await db.Jobs.Where(j => j.Id == delivery.JobId).Select(j => j.Callback).SingleAsync(ct);
            body = delivery.Body;
        }
        var attempt = await sender.SendAsync(new Uri(url), due.Id.ToString(), Encoding.UTF8.GetBytes(body), ct);
        outcomes.Writer.TryWrite((due.Id, attempt));
    }

    /// <summary>
    /// Records attempts' outcomes as they come, all that are waiting (up to <see cref="RecordBatch"/>) in one
    /// transaction: at hundreds of callbacks a second, one commit each would be most of the database's work.
    /// </summary>
    async Task Record(CancellationToken ct)
    {
        var batch = new List<(Guid Id, CallbackAttempt Attempt)>(RecordBatch);
        try
        {
            while (await outcomes.Reader.WaitToReadAsync(ct))
            {
                batch.Clear();
                while (batch.Count < RecordBatch && outcomes.Reader.TryRead(out var outcome))
                    batch.Add(outcome);
                try
                {
                    var rest = await RecordFirstDeliveries(batch, ct);
                    if (rest.Count > 0 && await RecordAll(rest, ct) is false && rest.Count > 1)
                        // One row changed under the batch (taken over, or its job finished): the others are recorded alone.
                        foreach (var outcome in rest)
                            await RecordAll([outcome], ct);
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    // The rows keep their deliveries: when the leases end, they are attempted again.
                    logger.LogWarning(e, "Recording {Count} callback attempts failed", batch.Count);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>On PostgreSQL, first attempts that were delivered in one statement (<see cref="FirstDeliveries"/>).</summary>
    /// <returns>The outcomes left to <see cref="RecordAll"/>.</returns>
    async Task<IReadOnlyList<(Guid Id, CallbackAttempt Attempt)>> RecordFirstDeliveries(
        List<(Guid Id, CallbackAttempt Attempt)> batch, CancellationToken ct)
    {
        var delivered = batch.Where(b => b.Attempt.Outcome == CallbackOutcome.Delivered).ToList();
        if (delivered.Count == 0)
            return batch;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ServiceDb>();
        if (!db.Database.IsNpgsql())
            return batch;
        var recorded = await FirstDeliveries.Record(db, delivered, worker.Name, clock.GetUtcNow().UtcDateTime, ct);
        // A first attempt that succeeded is the common case, one per admission, and its row keeps the attempt: logged
        // at Debug (at 1,000 admissions a second the line cost the worker ~0.03 core). Failures and retries log at Information.
        if (logger.IsEnabled(LogLevel.Debug))
            foreach (var (id, attempt) in delivered.Where(d => recorded.Contains(d.Id)))
                logger.LogDebug("Callback delivery {DeliveryId} attempt {Attempt}: {Outcome} {Error}", id, 1, DeliveryState.Delivered, $"HTTP {attempt.Status}");
        return recorded.Count == 0 ? batch : batch.Where(b => !recorded.Contains(b.Id)).ToList();
    }

    /// <summary>Stores the attempts and what comes next for each; false when a row changed under the batch (nothing stored).</summary>
    async Task<bool> RecordAll(IReadOnlyList<(Guid Id, CallbackAttempt Attempt)> batch, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ServiceDb>();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var ids = batch.Select(b => b.Id).ToList();
        var rows = await db.CallbackDeliveries.Where(d => ids.Contains(d.Id)).ToDictionaryAsync(d => d.Id, ct);
        var released = false;
        foreach (var (id, attempt) in batch)
        {
            if (!rows.TryGetValue(id, out var delivery) || delivery.State != DeliveryState.Pending || delivery.ClaimedBy != worker.Name)
            {
                // The lease ran out and another worker took the delivery over: its attempts are the record.
                logger.LogInformation("Callback delivery {DeliveryId} was taken over before its attempt was recorded", id);
                continue;
            }
            Apply(delivery, attempt, now);
            if (delivery.State == DeliveryState.Failed && options.Value.ReleaseOnFailure)
                released |= await ReleaseJob(db, delivery.JobId, now, ct);
            logger.LogInformation("Callback delivery {DeliveryId} attempt {Attempt}: {Outcome} {Error}",
                id, delivery.Attempts, delivery.State, attempt.Error ?? $"HTTP {attempt.Status}");
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            logger.LogInformation("A callback delivery or its job changed while {Count} attempts were recorded", batch.Count);
            return false;
        }
        await transaction.CommitAsync(ct);
        if (released)
            admission.Wake();
        return true;
    }

    /// <summary>One attempt on its delivery's row: counts, history, and the next state (delivered, due again, failed).</summary>
    void Apply(CallbackDeliveryRecord delivery, CallbackAttempt attempt, DateTime now)
    {
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
