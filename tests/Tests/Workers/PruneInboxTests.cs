using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Quartz;
using Tests.Hosts;
using Workers.Data;
using Workers.Inbox;

namespace Tests.Workers;

public sealed class PruneInboxTests
{
    sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Fact]
    public async Task Pruning_deletes_the_inbox_records_older_than_the_retention_and_keeps_the_rest()
    {
        await using var workers = await WorkerHarness.OnPostgres(await TestServers.CreateDatabase("prune"));
        var now = new DateTimeOffset(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
        await using var scope = workers.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ServiceDb>();
        foreach (var age in new[] { 1, 6, 8, 30 })
            db.Inbox.Add(new InboxRecord
            {
                MessageId = Guid.NewGuid(), MessageType = $"age-{age}", ResponseType = "x", ResponseJson = "{}",
                ReceivedAt = now.UtcDateTime.AddDays(-age),
            });
        await db.SaveChangesAsync();

        var job = new PruneInbox(db, new FixedTime(now), Options.Create(new InboxOptions { Retention = TimeSpan.FromDays(7) }), NullLogger<PruneInbox>.Instance);
        await job.Execute(null!, CancellationToken.None);

        Assert.Equal(["age-1", "age-6"], await db.Inbox.Select(x => x.MessageType).OrderBy(x => x).ToListAsync());
    }

    [Fact]
    public async Task The_workers_schedule_the_prune_job_with_Quartz()
    {
        await using var workers = await WorkerHarness.OnPostgres(await TestServers.CreateDatabase("prune_sched"));
        var scheduler = await workers.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        Assert.NotNull(await scheduler.GetJobDetail(PruneInbox.Key));
        var trigger = Assert.Single(await scheduler.GetTriggersOfJob(PruneInbox.Key));
        Assert.Equal(TimeSpan.FromHours(1), Assert.IsAssignableFrom<ISimpleTrigger>(trigger).RepeatInterval);
    }
}
