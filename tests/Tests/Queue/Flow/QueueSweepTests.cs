using Tests.Callbacks;
using static Tests.Queue.QueueClient;

namespace Tests.Queue.Flow;

/// <summary>What the periodic sweep does besides waking admission: MaxRunTime expiry and the retention purge.</summary>
public class QueueSweepTests
{
    protected virtual bool OnPostgres => false;

    static string Url(CallbackReceiver receiver, string name) => receiver.Url("/jobs/" + name).ToString();

    [Fact]
    public async Task A_job_past_its_types_MaxRunTime_is_released_and_its_receiver_gets_job_expired()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(OnPostgres, new()
        {
            ["Queue:Types:short:MaxRunTime"] = "00:00:01",
            ["Queue:SweepInterval"] = "00:00:00.5",
        });
        await service.Admin.Host("host-a", Inventory(4));
        var brief = await service.Member.Create("short", "brief", Url(receiver, "brief"), JobData(Instance(4, 1024, 1)));
        var admitted = await service.Member.WaitForStatus("short", "brief", "running");
        await service.Member.Create("vm", "after", Url(receiver, "after"), JobData(Instance(4, 1024, 1)));

        var expired = await service.Member.WaitForStatus("short", "brief", "done");

        var expiredDelivery = await service.Member.WaitFor("short", "brief",
            j => j.GetProperty("CallbackDelivery").GetProperty("Event").GetString() == "job.expired"
                 && j.GetProperty("CallbackDelivery").GetProperty("State").GetString() == "delivered",
            "told of its expiry");
        // Delivery is at least once: a repeated attempt carries its delivery's id, so count deliveries, not requests.
        List<System.Text.Json.JsonElement> Deliveries() => receiver.Requests.Where(r => r.Path == "/jobs/brief")
            .GroupBy(r => r.Headers["X-Queue-Delivery"]).Select(g => Parse(g.First())).ToList();
        await Eventually(() => Task.FromResult(Deliveries().Count >= 2),
            () => string.Join("\n", receiver.Requests.Select(r => $"{r.Path} {r.Headers["X-Queue-Delivery"]} {Parse(r).GetProperty("event")}")));
        var deliveries = Deliveries();
        Assert.Equal(2, deliveries.Count);
        var expiredEvent = Assert.Single(deliveries, d => d.GetProperty("event").GetString() == "job.expired");
        Assert.Single(deliveries, d => d.GetProperty("event").GetString() == "job.admitted");
        Assert.Equal("done", expiredEvent.GetProperty("data").GetProperty("Status").GetString());
        Assert.Equal(expiredDelivery.GetProperty("CallbackDelivery").GetProperty("ID").GetString(),
            receiver.Requests.First(r => Parse(r).GetProperty("event").GetString() == "job.expired").Headers["X-Queue-Delivery"]);
        var ranFor = DateTime.Parse(expired.GetProperty("UpdatedAt").GetString()!) - DateTime.Parse(admitted.GetProperty("AdmittedAt").GetString()!);
        Assert.True(ranFor >= TimeSpan.FromSeconds(1), $"released after {ranFor}");
        Assert.Empty((await service.Admin.Allocations(Server(brief))).GetProperty("allocations").EnumerateObject());
        await service.Member.WaitForStatus("vm", "after", "running");
    }

    [Fact]
    public async Task Finished_and_deleted_jobs_are_purged_after_the_retention_and_active_ones_stay()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(OnPostgres, new()
        {
            ["Queue:Retention"] = "00:00:01",
            ["Queue:SweepInterval"] = "00:00:00.5",
        });
        await service.Admin.Host("host-a", Inventory(4));
        await service.Member.Create("vm", "finished", Url(receiver, "finished"), JobData(Instance(1, 64, 1)));
        await service.Member.Create("vm", "running", Url(receiver, "running"), JobData(Instance(1, 64, 1)));
        await service.Member.Create("vm", "cancelled", Url(receiver, "cancelled"), JobData(Instance(1, 64, 1)));
        await service.Member.WaitForStatus("vm", "finished", "running");
        await service.Member.WaitForStatus("vm", "running", "running");
        await service.Member.WaitForStatus("vm", "cancelled", "running");
        await service.Member.Create("vm", "waiting", Url(receiver, "waiting"), JobData(Instance(8, 64, 1)));
        Assert.Equal(System.Net.HttpStatusCode.OK, (await service.Member.Change("vm", "finished", new { status = "done" })).Status);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await service.Member.Delete("vm", "cancelled")).Status);

        await Eventually(async () =>
            (await service.Member.List("vm", "?status=done")).Data.GetArrayLength() == 0
            && (await service.Member.List("vm", "?status=deleted")).Data.GetArrayLength() == 0,
            () => "the finished and deleted jobs were never purged");

        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await service.Member.Get("vm", "finished")).Status);
        Assert.Equal("running", (await service.Member.Job("vm", "running")).GetProperty("Status").GetString());
        Assert.Equal("queued", (await service.Member.Job("vm", "waiting")).GetProperty("Status").GetString());

        // A purged job's request id is never used again in its type, even with the very same body.
        var again = await service.Member.Submit("vm", QueueClient.Body("finished", Url(receiver, "finished"), "p1", JobData(Instance(1, 64, 1))));
        Assert.Equal(System.Net.HttpStatusCode.Conflict, again.Status);
        Assert.Equal("duplicate_request_id", again.Code);
    }
}

/// <summary>The sweep, on PostgreSQL.</summary>
public sealed class QueueSweepTestsOnPostgres : QueueSweepTests
{
    protected override bool OnPostgres => true;
}
