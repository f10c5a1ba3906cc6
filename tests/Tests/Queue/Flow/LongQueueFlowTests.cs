using System.Net;
using System.Text.Json;
using Tests.Callbacks;
using static Tests.Queue.QueueClient;

namespace Tests.Queue.Flow;

/// <summary>
/// A strict queue many times longer than what a pass reads of it (<c>Queue:PlanWindow</c>): the passes that stop at the
/// window's end run again at once, so every job is admitted, in queue order, with the sweep an hour away.
/// </summary>
public class LongQueueFlowTests
{
    protected virtual bool OnPostgres => false;

    [Fact]
    public async Task A_queue_longer_than_a_pass_reads_is_admitted_whole_in_order_once_capacity_arrives()
    {
        const int window = 10, count = 8 * window + 5;
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(OnPostgres, new() { ["Queue:PlanWindow"] = window.ToString() });
        var host = await service.Admin.Host("host-a", Inventory(1));
        await service.Member.Create("vm", "blocker", receiver.Url("/jobs/blocker").ToString(), JobData(Instance(1, 16, 0)));
        await service.Member.WaitForStatus("vm", "blocker", "running");

        var names = Enumerable.Range(0, count).Select(i => $"job-{i:D5}").ToList();
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (name, _) =>
            await service.Member.Create("vm", name, receiver.Url("/jobs/" + name).ToString(), JobData(Instance(1, 16, 0))));
        Assert.Equal("queued", (await service.Member.Job("vm", names[^1])).GetProperty("Status").GetString());

        // Room for every one of them at once.
        var generation = (await service.Admin.Placement(HttpMethod.Get, $"/resource_providers/{host}")).Body.GetProperty("generation").GetInt64();
        var grown = await service.Admin.Placement(HttpMethod.Put, $"/resource_providers/{host}/inventories", new
        {
            resource_provider_generation = generation,
            inventories = new { VCPU = new { total = count + 1 }, MEMORY_MB = new { total = 65536 }, DISK_GB = new { total = 1000 } },
        });
        Assert.Equal(HttpStatusCode.OK, grown.Status);

        await Eventually(async () => (await service.Member.List("vm", "?status=queued")).Data.GetArrayLength() == 0,
            () => "every job admitted", seconds: 15);
        var usages = await service.Admin.Placement(HttpMethod.Get, $"/resource_providers/{host}/usages");
        Assert.Equal(count + 1, usages.Body.GetProperty("usages").GetProperty("VCPU").GetInt32());
        // Strict order across the passes: a job is never admitted before one queued ahead of it.
        var admittedAt = new List<DateTimeOffset>();
        string? marker = null;
        do
        {
            var page = await service.Member.List("vm", "?limit=20" + (marker is null ? "" : $"&marker={marker}"));
            foreach (var job in page.Data.EnumerateArray().Where(j => j.GetProperty("RequestID").GetString() != "blocker"))
                admittedAt.Add(job.GetProperty("AdmittedAt").GetDateTimeOffset());
            marker = page.Body.TryGetProperty("next_marker", out var next) ? next.GetString() : null;
        } while (marker is not null);
        Assert.Equal(count, admittedAt.Count);
        Assert.Equal(admittedAt.Order(), admittedAt);
    }
}

/// <summary>The same long queue on PostgreSQL.</summary>
public sealed class LongQueueFlowTestsOnPostgres : LongQueueFlowTests
{
    protected override bool OnPostgres => true;
}
