using System.Text.Json;
using Contracts.Queue;
using Microsoft.EntityFrameworkCore;
using Tests.Hosts;
using Workers.Callbacks;
using Workers.Data;
using Workers.Queue;

namespace Tests.Callbacks;

/// <summary>
/// On PostgreSQL a delivered first attempt is recorded without reading its row: only a row still pending, held by
/// the recording worker and never attempted changes, and it becomes what the row-by-row path would have made it.
/// </summary>
public sealed class FirstDeliveriesTests
{
    static readonly DateTime Now = new(2026, 11, 22, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task Only_a_never_attempted_delivery_held_by_this_worker_is_recorded_and_it_becomes_delivered()
    {
        await using var db = await Migrated();
        var job = new JobRecord
        {
            Type = "vm", RequestId = "one", OwnerId = "owner", Data = "{}", Callback = "http://receiver.example/one",
            Status = JobStatus.Running, CreatedAt = Now, UpdatedAt = Now, QueuedSince = Now,
        };
        db.Jobs.Add(job);
        await db.SaveChangesAsync();
        var mine = Deliveries.New(job.Id, Deliveries.Admitted, "{}", Now, "w1", Now.AddSeconds(15));
        var theirs = Deliveries.New(job.Id, Deliveries.Admitted, "{}", Now, "w2", Now.AddSeconds(15));
        var retried = Deliveries.New(job.Id, Deliveries.Admitted, "{}", Now, "w1", Now.AddSeconds(15));
        (retried.Attempts, retried.FirstAttemptAt, retried.LastError) = (1, Now, "HTTP 503");
        retried.History = JsonSerializer.Serialize(new[] { new DeliveryAttempt(Now, 503, "HTTP 503") });
        db.CallbackDeliveries.AddRange(mine, theirs, retried);
        await db.SaveChangesAsync();
        var before = await Rows(db);

        var at = Now.AddMilliseconds(1234.567);
        var attempt = new CallbackAttempt(CallbackOutcome.Delivered, new DateTimeOffset(at), 200, null);
        var recorded = await FirstDeliveries.Record(db, [(mine.Id, attempt), (theirs.Id, attempt), (retried.Id, attempt)], "w1", Now.AddSeconds(2), default);

        Assert.Equal([mine.Id], recorded);
        var after = await Rows(db);
        var row = after[mine.Id];
        Assert.Equal(DeliveryState.Delivered, row.State);
        Assert.Equal(1, row.Attempts);
        Assert.Equal(at.AddTicks(-(at.Ticks % 10)), row.FirstAttemptAt);
        Assert.Null(row.LastError);
        Assert.Equal(Now.AddSeconds(2), row.DeliveredAt);
        Assert.Null(row.ClaimedBy);
        Assert.Null(row.ClaimedUntil);
        var history = JsonSerializer.Deserialize<List<DeliveryAttempt>>(row.History)!;
        Assert.Equal([new DeliveryAttempt(at, 200, null)], history);
        Assert.Equal(before[mine.Id].Body, row.Body);
        // The other two are as they were, to the last column.
        foreach (var other in new[] { theirs.Id, retried.Id })
            Assert.Equal(JsonSerializer.Serialize(before[other]), JsonSerializer.Serialize(after[other]));
    }

    [Fact]
    public void The_history_written_is_the_one_the_row_by_row_path_writes_for_a_first_attempt()
    {
        var attempt = new CallbackAttempt(CallbackOutcome.Delivered, new DateTimeOffset(Now.AddTicks(1234567)), 204, null);
        // The row-by-row path: the stored history ("[]") read, the attempt added, the last ten written back.
        var history = JsonSerializer.Deserialize<List<DeliveryAttempt>>("[]")!;
        history.Add(new DeliveryAttempt(attempt.At.UtcDateTime, attempt.Status, attempt.Error));

        Assert.Equal(JsonSerializer.Serialize(history.TakeLast(Deliveries.HistoryLength)), FirstDeliveries.History(attempt));
    }

    static async Task<ServiceDb> Migrated()
    {
        var (_, options) = await TestServers.CreateMigratedDatabase("deliveries");
        return new ServiceDb(options);
    }

    static async Task<Dictionary<Guid, CallbackDeliveryRecord>> Rows(ServiceDb db) =>
        await db.CallbackDeliveries.AsNoTracking().ToDictionaryAsync(d => d.Id);
}
