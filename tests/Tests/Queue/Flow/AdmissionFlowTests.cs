using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Tests.Callbacks;
using static Tests.Queue.QueueClient;

namespace Tests.Queue.Flow;

/// <summary>From submit to running: the claim in Placement, the callback, waiting with a reason, and what frees capacity.</summary>
public class AdmissionFlowTests
{
    protected virtual bool OnPostgres => false;

    static string Url(CallbackReceiver receiver, string name) => receiver.Url("/jobs/" + name).ToString();

    [Fact]
    public async Task A_job_that_fits_is_admitted_onto_the_host_with_its_allocations_written_in_Placement()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(OnPostgres);
        var host = await service.Admin.Host("host-a", Inventory(8, 16384, 100));
        var data = new Dictionary<string, object?>
        {
            ["project"] = "proj-x",
            ["instances"] = new object[] { Instance(2, 1024, 10), Instance(1, 512, 0) },
        };

        await service.Member.Create("vm", "fits", Url(receiver, "fits"), data);
        var job = await service.Member.WaitForStatus("vm", "fits", "running");

        Assert.NotEqual(JsonValueKind.Null, job.GetProperty("AdmittedAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, job.GetProperty("Position").ValueKind);
        Assert.Equal(JsonValueKind.Null, job.GetProperty("Reason").ValueKind);
        var instances = job.GetProperty("Instances");
        foreach (var instance in instances.EnumerateArray())
        {
            Assert.Equal("host-a", instance.GetProperty("Host").GetString());
            Assert.Equal(host.ToString(), instance.GetProperty("ResourceProvider").GetString());
        }
        Assert.Equal("""{"DISK_GB":10,"MEMORY_MB":1024,"VCPU":2}""", Sorted(instances[0].GetProperty("Resources")));
        Assert.Equal("""{"MEMORY_MB":512,"VCPU":1}""", Sorted(instances[1].GetProperty("Resources")));

        var first = await service.Admin.Allocations(Server(job, 0));
        Assert.Equal("""{"DISK_GB":10,"MEMORY_MB":1024,"VCPU":2}""",
            Sorted(first.GetProperty("allocations").GetProperty(host.ToString()).GetProperty("resources")));
        Assert.Equal("proj-x", first.GetProperty("project_id").GetString());
        Assert.Equal("p1", first.GetProperty("user_id").GetString());
        Assert.Equal("INSTANCE", first.GetProperty("consumer_type").GetString());
        var second = await service.Admin.Allocations(Server(job, 1));
        Assert.Equal("""{"MEMORY_MB":512,"VCPU":1}""",
            Sorted(second.GetProperty("allocations").GetProperty(host.ToString()).GetProperty("resources")));

        var usages = await service.Admin.Placement(HttpMethod.Get, $"/resource_providers/{host}/usages");
        Assert.Equal("""{"DISK_GB":10,"MEMORY_MB":1536,"VCPU":3}""", Sorted(usages.Body.GetProperty("usages")));
    }

    /// <param name="note">Extra data: past AdmissionCache.PayloadLimit, a pass on PostgreSQL reads the job back as it
    /// moves it to running, where otherwise it builds the callback from what it holds.</param>
    [Theory]
    [InlineData(0)]
    [InlineData(2000)]
    public async Task The_receiver_gets_job_admitted_with_the_delivery_headers_and_a_signature_that_verifies(int note)
    {
        const string key = "s3cr\u00e9t-key";
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(OnPostgres, new() { ["Callbacks:SigningKey"] = key });
        await service.Admin.Host("host-a", Inventory(4));
        var data = new Dictionary<string, object?> { ["instances"] = new object[] { Instance(1, 64, 1) }, ["note"] = new string('n', note) };

        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        await service.Member.Create("vm", "signed", Url(receiver, "signed"), data);
        var request = Assert.Single(await Received(receiver, 1));
        var after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        Assert.Equal("POST", request.Method);
        Assert.Equal("/jobs/signed", request.Path);
        Assert.Equal("application/json", request.Headers["Content-Type"]);
        Assert.True(Guid.TryParse(request.Headers["X-Queue-Delivery"], out _), request.Headers["X-Queue-Delivery"]);
        var timestamp = request.Headers["X-Queue-Timestamp"];
        Assert.Matches("^[0-9]+$", timestamp);
        Assert.InRange(long.Parse(timestamp), before, after);

        // Recomputed from the bytes that arrived, not with the service's code.
        byte[] signed = [.. Encoding.UTF8.GetBytes(timestamp + "."), .. request.Body];
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), signed);
        Assert.Equal("sha256=" + Convert.ToHexString(mac).ToLowerInvariant(), request.Headers["X-Queue-Signature"]);

        var body = Parse(request);
        Assert.Equal(["data", "event"], Names(body).Order());
        Assert.Equal("job.admitted", body.GetProperty("event").GetString());
        var sent = body.GetProperty("data");
        var shown = await service.Member.WaitFor("vm", "signed",
            j => j.GetProperty("CallbackDelivery") is { ValueKind: JsonValueKind.Object } d && d.GetProperty("State").GetString() == "delivered",
            "delivered");
        Assert.Equal("running", sent.GetProperty("Status").GetString());
        foreach (var field in new[] { "ID", "RequestID", "Type", "OwnerID", "Data", "Callback", "Priority", "Instances", "AdmittedAt", "CreatedAt" })
            Assert.Equal(shown.GetProperty(field).GetRawText(), sent.GetProperty(field).GetRawText());
        Assert.Equal("host-a", sent.GetProperty("Instances")[0].GetProperty("Host").GetString());

        var delivery = shown.GetProperty("CallbackDelivery");
        Assert.Equal(request.Headers["X-Queue-Delivery"], delivery.GetProperty("ID").GetString());
        Assert.Equal(1, delivery.GetProperty("Attempts").GetInt32());
        Assert.NotEqual(JsonValueKind.Null, delivery.GetProperty("DeliveredAt").ValueKind);
    }

    [Fact]
    public async Task A_job_that_does_not_fit_waits_with_a_reason_and_its_position()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(OnPostgres);
        await service.Admin.Host("host-a", Inventory(8));

        await service.Member.Create("vm", "big", Url(receiver, "big"), JobData(Instance(16, 1024, 1)));
        await service.Member.Create("vm", "bigger", Url(receiver, "bigger"), JobData(Instance(32, 1024, 1)));
        var big = await service.Member.WaitForReason("vm", "big");
        var bigger = await service.Member.WaitForReason("vm", "bigger");

        Assert.Equal("queued", big.GetProperty("Status").GetString());
        Assert.Equal("needs VCPU 16 on one host; largest free is 8", big.GetProperty("Reason").GetString());
        Assert.Equal(0, big.GetProperty("Position").GetInt64());
        Assert.Equal("waiting for the jobs ahead of it (strict order)", bigger.GetProperty("Reason").GetString());
        Assert.Equal(1, bigger.GetProperty("Position").GetInt64());
        Assert.False(big.GetProperty("Instances")[0].TryGetProperty("Host", out _));
        Assert.Empty((await service.Admin.Allocations(Server(big))).GetProperty("allocations").EnumerateObject());
        Assert.Empty(receiver.Requests);
    }

    [Fact]
    public async Task Finishing_the_running_job_releases_its_resources_and_admits_the_waiting_one()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(OnPostgres);
        var host = await service.Admin.Host("host-a", Inventory(4));
        var first = await service.Member.Create("vm", "first", Url(receiver, "first"), JobData(Instance(4, 1024, 1)));
        await service.Member.WaitForStatus("vm", "first", "running");
        await service.Member.Create("vm", "second", Url(receiver, "second"), JobData(Instance(4, 1024, 1)));
        var waiting = await service.Member.WaitForReason("vm", "second");
        Assert.Equal("needs VCPU 4 on one host; largest free is 0", waiting.GetProperty("Reason").GetString());
        // Without data.project the allocations are the owner's.
        Assert.Equal("p1", (await service.Admin.Allocations(Server(first))).GetProperty("project_id").GetString());

        // Done is the only status a client may give a running job.
        foreach (var status in new[] { "queued", "running", "deleted", "failed" })
        {
            var refused = await service.Member.Change("vm", "first", new { status });
            Assert.Equal(HttpStatusCode.Conflict, refused.Status);
            Assert.Equal("invalid_transition", refused.Code);
        }
        Assert.Equal("running", (await service.Member.Job("vm", "first")).GetProperty("Status").GetString());

        var done = await service.Member.Change("vm", "first", new { status = "done" });

        Assert.Equal("""{"data":{},"ok":true}""", done.Body.GetRawText());
        Assert.Equal("done", (await service.Member.Job("vm", "first")).GetProperty("Status").GetString());
        Assert.Empty((await service.Admin.Allocations(Server(first))).GetProperty("allocations").EnumerateObject());
        // Promptly, and by the release's own nudge: the periodic sweep is an hour away.
        var second = await service.Member.WaitForStatus("vm", "second", "running", seconds: 5);
        Assert.True((await service.Admin.Allocations(Server(second))).GetProperty("allocations").TryGetProperty(host.ToString(), out _));
        await Received(receiver, 2);
        Assert.Equal(["/jobs/first", "/jobs/second"], receiver.Requests.Select(r => r.Path).ToList());

        // Finishing it again (a retry after a 503 whose first try was applied) answers as the first did and changes
        // nothing; any other status is still refused.
        var again = await service.Member.Change("vm", "first", new { status = "done" });
        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.Equal(done.Body.GetRawText(), again.Body.GetRawText());
        Assert.Equal("done", (await service.Member.Job("vm", "first")).GetProperty("Status").GetString());
        Assert.Equal("running", (await service.Member.Job("vm", "second")).GetProperty("Status").GetString());
        var rerun = await service.Member.Change("vm", "first", new { status = "running" });
        Assert.Equal(HttpStatusCode.Conflict, rerun.Status);
        Assert.Equal("invalid_transition", rerun.Code);
    }

    [Fact]
    public async Task Deleting_the_running_job_releases_its_resources_and_admits_the_waiting_one()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(OnPostgres);
        await service.Admin.Host("host-a", Inventory(4));
        var first = await service.Member.Create("vm", "first", Url(receiver, "first"), JobData(Instance(3, 1024, 1)));
        await service.Member.WaitForStatus("vm", "first", "running");
        await service.Member.Create("vm", "second", Url(receiver, "second"), JobData(Instance(2, 1024, 1)));
        Assert.Equal("needs VCPU 2 on one host; largest free is 1",
            (await service.Member.WaitForReason("vm", "second")).GetProperty("Reason").GetString());

        var deleted = await service.Member.Delete("vm", "first");

        Assert.Equal("""{"data":{},"ok":true}""", deleted.Body.GetRawText());
        Assert.Equal(HttpStatusCode.NotFound, (await service.Member.Get("vm", "first")).Status);
        Assert.Empty((await service.Admin.Allocations(Server(first))).GetProperty("allocations").EnumerateObject());
        await service.Member.WaitForStatus("vm", "second", "running", seconds: 5);
        Assert.Equal(HttpStatusCode.NotFound, (await service.Member.Delete("vm", "first")).Status);
    }

    [Fact]
    public async Task A_job_is_claimed_whole_or_not_at_all_and_a_new_host_admits_it()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(OnPostgres);
        var a = await service.Admin.Host("host-a", Inventory(4));
        var pair = JobData(Instance(3, 1024, 1), Instance(3, 1024, 1));

        await service.Member.Create("vm", "pair", Url(receiver, "pair"), pair);
        var waiting = await service.Member.WaitForReason("vm", "pair");

        Assert.Equal("only 1 of 2 instances fit at once; the next needs VCPU 3 on one host; largest free is 1",
            waiting.GetProperty("Reason").GetString());
        Assert.Empty((await service.Admin.Allocations(Server(waiting, 0))).GetProperty("allocations").EnumerateObject());
        Assert.Empty((await service.Admin.Allocations(Server(waiting, 1))).GetProperty("allocations").EnumerateObject());
        var usages = await service.Admin.Placement(HttpMethod.Get, $"/resource_providers/{a}/usages");
        Assert.Equal(0, usages.Body.GetProperty("usages").GetProperty("VCPU").GetInt32());

        await service.Admin.Host("host-b", Inventory(4));

        var running = await service.Member.WaitForStatus("vm", "pair", "running");
        Assert.Equal(["host-a", "host-b"],
            running.GetProperty("Instances").EnumerateArray().Select(i => i.GetProperty("Host").GetString()!).Order().ToList());
    }

    [Fact]
    public async Task Deleting_someone_elses_allocations_in_Placement_admits_a_waiting_job()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(OnPostgres);
        var host = await service.Admin.Host("host-a", Inventory(4));
        var outsider = Guid.NewGuid();
        var taken = await service.Admin.Placement(HttpMethod.Put, $"/allocations/{outsider}", new
        {
            allocations = new Dictionary<string, object> { [host.ToString()] = new { resources = new { VCPU = 4 } } },
            project_id = "other",
            user_id = "other",
            consumer_generation = (int?)null,
            consumer_type = "INSTANCE",
        });
        Assert.True(taken.Status == HttpStatusCode.NoContent, taken.ToString());

        await service.Member.Create("vm", "patient", Url(receiver, "patient"), JobData(Instance(2, 1024, 1)));
        Assert.Equal("needs VCPU 2 on one host; largest free is 0",
            (await service.Member.WaitForReason("vm", "patient")).GetProperty("Reason").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await service.Admin.Placement(HttpMethod.Delete, $"/allocations/{outsider}")).Status);

        await service.Member.WaitForStatus("vm", "patient", "running");
    }

    [Fact]
    public async Task Jobs_deleted_while_admission_runs_leave_no_allocations_behind()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(OnPostgres);
        var host = await service.Admin.Host("host-a", Inventory(64));
        var ids = Enumerable.Range(0, 24).Select(i => $"r{i:D2}").ToList();

        // Each job is deleted as soon as it is created, racing the pass its creation woke.
        var jobs = await Task.WhenAll(ids.Select(async id =>
        {
            var job = await service.Member.Create("vm", id, Url(receiver, id), JobData(Instance(2, 256, 1)));
            Assert.Equal(HttpStatusCode.OK, (await service.Member.Delete("vm", id)).Status);
            return job;
        }));

        // A last job, admitted after every delete was answered, shows the passes have caught up.
        await service.Member.Create("vm", "last", Url(receiver, "last"), JobData(Instance(1, 256, 1)));
        await service.Member.WaitForStatus("vm", "last", "running");
        var usages = (await service.Admin.Placement(HttpMethod.Get, $"/resource_providers/{host}/usages")).Body.GetProperty("usages");
        Assert.Equal(1, usages.GetProperty("VCPU").GetInt32());
        foreach (var job in jobs)
            Assert.Empty((await service.Admin.Allocations(Server(job))).GetProperty("allocations").EnumerateObject());
        Assert.Equal(24, (await service.Member.List("vm", "?status=deleted")).Data.GetArrayLength());
    }

    /// <summary>An object's members sorted by name, as compact JSON: resource maps compare regardless of order.</summary>
    static string Sorted(JsonElement element) =>
        JsonSerializer.Serialize(element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal)
            .ToDictionary(p => p.Name, p => p.Value.GetInt64()));
}

/// <summary>From submit to running, on PostgreSQL (the production database, whose writes take their own path).</summary>
public sealed class AdmissionFlowTestsOnPostgres : AdmissionFlowTests
{
    protected override bool OnPostgres => true;
}
