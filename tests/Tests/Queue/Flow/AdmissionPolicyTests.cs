using System.Text.Json;
using Tests.Callbacks;
using static Tests.Queue.QueueClient;

namespace Tests.Queue.Flow;

/// <summary>Order (strict, backfill) and where instances land (spread, pack, traits, aggregates, resource classes).</summary>
public class AdmissionPolicyTests
{
    protected virtual bool OnPostgres => false;

    static string Url(CallbackReceiver receiver, string name) => receiver.Url("/jobs/" + name).ToString();

    static List<string> Hosts(JsonElement job) =>
        job.GetProperty("Instances").EnumerateArray().Select(i => i.GetProperty("Host").GetString()!).ToList();

    [Fact]
    public async Task In_strict_order_a_small_later_job_waits_behind_a_big_head_of_its_type_but_not_of_another_type()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(OnPostgres);
        await service.Admin.Host("host-a", Inventory(4));

        await service.Member.Create("vm", "big", Url(receiver, "big"), JobData(Instance(8, 1024, 1)));
        await service.Member.Create("vm", "small", Url(receiver, "small"), JobData(Instance(1, 64, 1)));
        await service.Member.Create("kube", "elsewhere", Url(receiver, "elsewhere"), JobData(Instance(1, 64, 1)));

        await service.Member.WaitForStatus("kube", "elsewhere", "running");
        var small = await service.Member.WaitForReason("vm", "small");
        Assert.Equal("queued", small.GetProperty("Status").GetString());
        Assert.Equal("waiting for the jobs ahead of it (strict order)", small.GetProperty("Reason").GetString());
        Assert.Equal(1, small.GetProperty("Position").GetInt64());
        Assert.Equal(["/jobs/elsewhere"], (await Received(receiver, 1)).Select(r => r.Path).ToList());
    }

    [Fact]
    public async Task Across_types_the_lower_priority_is_admitted_first_when_capacity_arrives()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(OnPostgres);
        await service.Member.Create("kube", "earlier", Url(receiver, "earlier"), JobData(Instance(4, 1024, 1)));
        await service.Member.Create("vm", "later", Url(receiver, "later"), JobData(Instance(4, 1024, 1)));
        Assert.Equal("no host exists", (await service.Member.WaitForReason("vm", "later")).GetProperty("Reason").GetString());
        Assert.Equal(System.Net.HttpStatusCode.OK, (await service.Member.Change("vm", "later", new { priority = 5 })).Status);

        await service.Admin.Host("host-a", Inventory(4));

        await service.Member.WaitForStatus("vm", "later", "running");
        var earlier = await service.Member.WaitFor("kube", "earlier",
            j => j.GetProperty("Reason").GetString() != "no host exists", "told why it still waits");
        Assert.Equal("queued", earlier.GetProperty("Status").GetString());
        Assert.Equal("needs VCPU 4 on one host; largest free is 0", earlier.GetProperty("Reason").GetString());
    }

    [Fact]
    public async Task No_more_jobs_are_admitted_than_fit_and_finishing_some_admits_as_many_more()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(OnPostgres);
        var host = await service.Admin.Host("host-a", Inventory(30, 30 * 1024, 300));
        var ids = Enumerable.Range(0, 40).Select(i => $"j{i:D2}").ToList();

        // One after another: a job's priority is stamped before its commit, so of two submitted at the same moment the
        // later-stamped one can commit, and be admitted, first; the order asserted below is that of the commits.
        foreach (var id in ids)
            await service.Member.Create("vm", id, Url(receiver, id), JobData(Instance(1, 1024, 10)));

        async Task<Dictionary<string, List<string>>> ByStatus()
        {
            var list = await service.Member.List("vm", "?limit=1000");
            return list.Data.EnumerateArray().GroupBy(j => j.GetProperty("Status").GetString()!)
                .ToDictionary(g => g.Key, g => g.Select(j => j.GetProperty("RequestID").GetString()!).ToList());
        }
        Dictionary<string, List<string>> jobs = [];
        await Eventually(async () =>
        {
            jobs = await ByStatus();
            return jobs.GetValueOrDefault("running")?.Count == 30;
        }, () => $"expected 30 running; saw {string.Join(", ", jobs.Select(s => $"{s.Key}: {s.Value.Count}"))}");
        Assert.Equal(10, jobs["queued"].Count);
        var usages = (await service.Admin.Placement(HttpMethod.Get, $"/resource_providers/{host}/usages")).Body.GetProperty("usages");
        Assert.Equal(30, usages.GetProperty("VCPU").GetInt32());
        Assert.Equal(300, usages.GetProperty("DISK_GB").GetInt32());

        foreach (var id in jobs["running"].Take(6))
            Assert.Equal(System.Net.HttpStatusCode.OK, (await service.Member.Change("vm", id, new { status = "done" })).Status);

        await Eventually(async () =>
        {
            jobs = await ByStatus();
            return jobs.GetValueOrDefault("running")?.Count == 30 && jobs.GetValueOrDefault("done")?.Count == 6;
        }, () => $"expected 30 running and 6 done; saw {string.Join(", ", jobs.Select(s => $"{s.Key}: {s.Value.Count}"))}");
        Assert.Equal(4, jobs["queued"].Count);
        // Strict order: the ones still waiting are the last to have arrived.
        var priorities = (await service.Member.List("vm", "?limit=1000")).Data.EnumerateArray()
            .ToDictionary(j => j.GetProperty("RequestID").GetString()!, j => j.GetProperty("Priority").GetInt64());
        Assert.True(jobs["queued"].Min(id => priorities[id]) > jobs["running"].Max(id => priorities[id]));
        await Received(receiver, 36);
        Assert.Equal(36, receiver.Requests.Select(r => r.Headers["X-Queue-Delivery"]).Distinct().Count());
    }

    [Fact]
    public async Task Deleting_the_blocked_head_of_a_strict_queue_admits_the_job_behind_it()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(OnPostgres);
        await service.Admin.Host("host-a", Inventory(4));
        await service.Member.Create("vm", "big", Url(receiver, "big"), JobData(Instance(8, 1024, 1)));
        await service.Member.Create("vm", "small", Url(receiver, "small"), JobData(Instance(1, 64, 1)));
        await service.Member.WaitForReason("vm", "small");

        Assert.Equal("""{"data":{},"ok":true}""", (await service.Member.Delete("vm", "big")).Body.GetRawText());

        await service.Member.WaitForStatus("vm", "small", "running");
    }

    [Fact]
    public async Task Moving_a_small_job_to_the_front_of_a_strict_queue_admits_it()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(OnPostgres);
        await service.Admin.Host("host-a", Inventory(4));
        await service.Member.Create("vm", "big", Url(receiver, "big"), JobData(Instance(8, 1024, 1)));
        await service.Member.Create("vm", "small", Url(receiver, "small"), JobData(Instance(1, 64, 1)));
        await service.Member.WaitForReason("vm", "small");

        Assert.Equal("""{"data":{},"ok":true}""", (await service.Member.Change("vm", "small", new { position = "front" })).Body.GetRawText());

        await service.Member.WaitForStatus("vm", "small", "running");
        var big = await service.Member.Job("vm", "big");
        Assert.Equal("queued", big.GetProperty("Status").GetString());
        Assert.Equal(0, big.GetProperty("Position").GetInt64());
    }

    [Fact]
    public async Task With_backfill_a_small_later_job_that_fits_goes_before_the_waiting_head()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(OnPostgres, new() { ["Queue:Types:batch:Policy"] = "backfill" });
        await service.Admin.Host("host-a", Inventory(4));

        await service.Member.Create("batch", "big", Url(receiver, "big"), JobData(Instance(8, 1024, 1)));
        await service.Member.Create("batch", "small", Url(receiver, "small"), JobData(Instance(1, 64, 1)));

        await service.Member.WaitForStatus("batch", "small", "running");
        var big = await service.Member.WaitForReason("batch", "big");
        // As of the last pass: before or after the small job took its share.
        Assert.Matches("^needs VCPU 8 on one host; largest free is [34]$", big.GetProperty("Reason").GetString());
        Assert.Equal(0, big.GetProperty("Position").GetInt64());
    }

    [Fact]
    public async Task Backfill_stops_once_the_head_has_waited_past_the_bound()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(OnPostgres, new()
        {
            ["Queue:Types:batch:Policy"] = "backfill",
            ["Queue:Types:batch:BackfillMaxHeadWait"] = "00:00:01",
        });
        await service.Admin.Host("host-a", Inventory(4));
        await service.Member.Create("batch", "big", Url(receiver, "big"), JobData(Instance(8, 1024, 1)));
        await service.Member.WaitForReason("batch", "big");

        await Task.Delay(TimeSpan.FromSeconds(1.2)); // the head outwaits the bound
        await service.Member.Create("batch", "small", Url(receiver, "small"), JobData(Instance(1, 64, 1)));

        var small = await service.Member.WaitForReason("batch", "small");
        Assert.Equal("queued", small.GetProperty("Status").GetString());
        Assert.Equal("waiting for the jobs ahead of it (the queue's head has waited past the backfill bound)", small.GetProperty("Reason").GetString());
    }

    [Theory]
    [InlineData("spread", 2)]
    [InlineData("pack", 1)]
    public async Task Spread_puts_instances_on_the_least_loaded_hosts_and_pack_on_the_most_loaded(string placement, int hostsUsed)
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(OnPostgres, new() { ["Queue:Types:vm:Placement"] = placement });
        await service.Admin.Host("host-a", Inventory(8));
        await service.Admin.Host("host-b", Inventory(8));

        await service.Member.Create("vm", "first", Url(receiver, "first"), JobData(Instance(2, 64, 1), Instance(2, 64, 1)));
        var first = await service.Member.WaitForStatus("vm", "first", "running");
        await service.Member.Create("vm", "second", Url(receiver, "second"), JobData(Instance(1, 64, 1)));
        var second = await service.Member.WaitForStatus("vm", "second", "running");

        var hosts = Hosts(first);
        Assert.Equal(hostsUsed, hosts.Distinct().Count());
        // Equally loaded hosts tie, and the first by name wins; under pack host-a stays the fuller one.
        Assert.Equal("host-a", hosts[0]);
        Assert.Equal(["host-a"], Hosts(second));
    }

    [Fact]
    public async Task Spread_sends_a_new_job_to_the_emptier_host()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(OnPostgres);
        await service.Admin.Host("host-a", Inventory(8));
        await service.Member.Create("vm", "first", Url(receiver, "first"), JobData(Instance(4, 64, 1)));
        var first = Hosts(await service.Member.WaitForStatus("vm", "first", "running"))[0];
        await service.Admin.Host("host-b", Inventory(8));

        await service.Member.Create("vm", "second", Url(receiver, "second"), JobData(Instance(1, 64, 1)));

        Assert.Equal("host-a", first);
        Assert.Equal(["host-b"], Hosts(await service.Member.WaitForStatus("vm", "second", "running")));
    }

    [Fact]
    public async Task Required_and_forbidden_traits_choose_the_host()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(OnPostgres);
        await service.Admin.Host("host-a", Inventory(8));
        var fast = await service.Admin.Host("host-b", Inventory(8));
        await service.Admin.SetTraits(fast, "CUSTOM_FAST", "HW_CPU_X86_AVX2");

        var wantsFast = Instance(1, 64, 1);
        wantsFast["Traits"] = new[] { "CUSTOM_FAST", "HW_CPU_X86_AVX2" };
        var avoidsFast = Instance(1, 64, 1);
        avoidsFast["Traits"] = new[] { "!CUSTOM_FAST" };
        await service.Member.Create("vm", "fast", Url(receiver, "fast"), JobData(wantsFast, wantsFast));
        await service.Member.Create("vm", "slow", Url(receiver, "slow"), JobData(avoidsFast, avoidsFast));

        Assert.Equal(["host-b", "host-b"], Hosts(await service.Member.WaitForStatus("vm", "fast", "running")));
        Assert.Equal(["host-a", "host-a"], Hosts(await service.Member.WaitForStatus("vm", "slow", "running")));
    }

    [Fact]
    public async Task A_job_needing_a_trait_no_host_has_waits_and_giving_a_host_the_trait_admits_it()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(OnPostgres);
        var host = await service.Admin.Host("host-a", Inventory(8));
        var wantsGpu = Instance(1, 64, 1);
        wantsGpu["Traits"] = new[] { "CUSTOM_GPU_READY" };

        await service.Member.Create("vm", "picky", Url(receiver, "picky"), JobData(wantsGpu));
        Assert.Equal("no host has trait CUSTOM_GPU_READY",
            (await service.Member.WaitForReason("vm", "picky")).GetProperty("Reason").GetString());

        await service.Admin.SetTraits(host, "CUSTOM_GPU_READY");

        await service.Member.WaitForStatus("vm", "picky", "running");
    }

    [Fact]
    public async Task A_host_aggregate_by_configured_name_or_uuid_restricts_the_hosts()
    {
        var rack1 = Guid.NewGuid();
        var rack2 = Guid.NewGuid();
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(OnPostgres, new() { ["Queue:Aggregates:rack1"] = rack1.ToString() });
        var a = await service.Admin.Host("host-a", Inventory(8));
        var b = await service.Admin.Host("host-b", Inventory(8));
        await service.Admin.SetAggregates(b, rack1);

        var inRack1 = JobData(Instance(1, 64, 1), Instance(1, 64, 1), Instance(1, 64, 1));
        inRack1["host_aggregate"] = "rack1";
        var inRack2 = JobData(Instance(1, 64, 1));
        inRack2["host_aggregate"] = rack2.ToString();
        await service.Member.Create("vm", "rack1", Url(receiver, "rack1"), inRack1);
        await service.Member.Create("vm-other", "rack2", Url(receiver, "rack2"), inRack2);

        Assert.Equal(["host-b", "host-b", "host-b"], Hosts(await service.Member.WaitForStatus("vm", "rack1", "running")));
        Assert.Equal($"no host in aggregate {rack2}",
            (await service.Member.WaitForReason("vm-other", "rack2")).GetProperty("Reason").GetString());

        await service.Admin.SetAggregates(a, rack2);

        Assert.Equal(["host-a"], Hosts(await service.Member.WaitForStatus("vm-other", "rack2", "running")));
    }

    [Fact]
    public async Task A_job_too_big_for_its_aggregate_says_so_in_its_reason()
    {
        var rack1 = Guid.NewGuid();
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(OnPostgres, new() { ["Queue:Aggregates:rack1"] = rack1.ToString() });
        await service.Admin.Host("host-big", Inventory(32));
        await service.Admin.SetAggregates(await service.Admin.Host("host-small", Inventory(8)), rack1);
        var data = JobData(Instance(16, 1024, 1));
        data["host_aggregate"] = "rack1";

        await service.Member.Create("vm", "cramped", Url(receiver, "cramped"), data);

        Assert.Equal("needs VCPU 16 on one host in aggregate rack1; largest free is 8",
            (await service.Member.WaitForReason("vm", "cramped")).GetProperty("Reason").GetString());
    }

    [Fact]
    public async Task Disk_0_is_left_out_of_the_claim_so_a_host_without_disk_inventory_takes_it()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(OnPostgres);
        var host = await service.Admin.Host("diskless", new() { ["VCPU"] = 4, ["MEMORY_MB"] = 4096 });

        await service.Member.Create("vm", "no-disk", Url(receiver, "no-disk"), JobData(Instance(2, 1024, 0)));
        var job = await service.Member.WaitForStatus("vm", "no-disk", "running");

        var resources = job.GetProperty("Instances")[0].GetProperty("Resources");
        Assert.Equal(["MEMORY_MB", "VCPU"], Names(resources).Order());
        var allocation = (await service.Admin.Allocations(Server(job))).GetProperty("allocations").GetProperty(host.ToString());
        Assert.Equal(["MEMORY_MB", "VCPU"], Names(allocation.GetProperty("resources")).Order());
    }

    [Fact]
    public async Task More_resource_classes_are_claimed_with_the_instance()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(OnPostgres);
        Assert.Equal(System.Net.HttpStatusCode.Created, (await service.Admin.Placement(HttpMethod.Put, "/resource_classes/CUSTOM_LICENSE")).Status);
        await service.Admin.Host("host-a", Inventory(8));
        var licensed = await service.Admin.Host("host-b", new() { ["VCPU"] = 8, ["MEMORY_MB"] = 4096, ["DISK_GB"] = 100, ["CUSTOM_LICENSE"] = 2 });
        var instance = Instance(1, 64, 1);
        instance["Resources"] = new Dictionary<string, int> { ["CUSTOM_LICENSE"] = 2 };

        await service.Member.Create("vm", "licensed", Url(receiver, "licensed"), JobData(instance));
        var job = await service.Member.WaitForStatus("vm", "licensed", "running");
        await service.Member.Create("vm", "unlicensed", Url(receiver, "unlicensed"), JobData(instance));
        var waiting = await service.Member.WaitForReason("vm", "unlicensed");

        Assert.Equal(["host-b"], Hosts(job));
        Assert.Equal(2, job.GetProperty("Instances")[0].GetProperty("Resources").GetProperty("CUSTOM_LICENSE").GetInt32());
        var allocation = (await service.Admin.Allocations(Server(job))).GetProperty("allocations").GetProperty(licensed.ToString());
        Assert.Equal(2, allocation.GetProperty("resources").GetProperty("CUSTOM_LICENSE").GetInt32());
        Assert.Equal("needs CUSTOM_LICENSE 2 on one host; largest free is 0", waiting.GetProperty("Reason").GetString());
    }
}

/// <summary>Order (strict, backfill) and where instances land, on PostgreSQL.</summary>
public sealed class AdmissionPolicyTestsOnPostgres : AdmissionPolicyTests
{
    protected override bool OnPostgres => true;
}
