using Contracts.Placement;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Tests.Hosts;
using Workers.Queue;

namespace Tests.Workers;

/// <summary>Capacity that jobs give back is announced to the other workers, many changes to an event.</summary>
public sealed class CapacityAnnouncerTests
{
    [Fact]
    public async Task Changes_made_close_together_are_announced_as_one_event_naming_every_provider_and_reason()
    {
        await using var workers = await WorkerHarness.OnPostgres(await TestServers.CreateDatabase("announce"));
        var announcer = workers.Services.GetRequiredService<CapacityAnnouncer>();
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());

        announcer.Freed([a], "job done");
        announcer.Freed([b, a], "job done");
        announcer.Freed([b], "job deleted");

        await Announced(workers, 1);
        await Task.Delay(CapacityAnnouncer.Gather * 4);
        var announced = Assert.Single(workers.Bus.Published.Select<CapacityFreed>()).Context.Message;
        Assert.Equal(new[] { a, b }.Order(), announced.ProviderUuids.Order());
        Assert.Equal("job deleted, job done", announced.Reason);
    }

    [Fact]
    public async Task Changes_made_after_an_announcement_get_their_own()
    {
        await using var workers = await WorkerHarness.OnPostgres(await TestServers.CreateDatabase("announce_twice"));
        var announcer = workers.Services.GetRequiredService<CapacityAnnouncer>();
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());

        announcer.Freed([a], "job done");
        await Announced(workers, 1);
        announcer.Freed([b], "job done");
        await Announced(workers, 2);
        await Task.Delay(CapacityAnnouncer.Gather * 4);

        var announced = workers.Bus.Published.Select<CapacityFreed>().Select(p => p.Context.Message.ProviderUuids.Single()).ToList();
        Assert.Equal([a, b], announced);
    }

    /// <summary>Waits (a few seconds at most) until this many events have been published.</summary>
    static async Task Announced(WorkerHarness workers, int count)
    {
        for (var waited = 0; workers.Bus.Published.Select<CapacityFreed>().Count() < count; waited += 20)
        {
            Assert.True(waited < 5000, $"fewer than {count} CapacityFreed events were published");
            await Task.Delay(20);
        }
    }
}
