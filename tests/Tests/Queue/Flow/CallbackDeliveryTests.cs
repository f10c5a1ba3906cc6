using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Tests.Callbacks;
using static Tests.Queue.QueueClient;

namespace Tests.Queue.Flow;

/// <summary>Callback deliveries as the job shows them: retries with one delivery id, final answers, the failure
/// policy, and re-sending.</summary>
public class CallbackDeliveryTests
{
    protected virtual bool OnPostgres => false;

    static string Url(CallbackReceiver receiver, string name) => receiver.Url("/jobs/" + name).ToString();

    /// <summary>A receiver answering the statuses given, one per request, then the last one forever.</summary>
    static Task<CallbackReceiver> Answering(params int[] statuses)
    {
        var calls = 0;
        return CallbackReceiver.Start(context =>
        {
            var call = Interlocked.Increment(ref calls);
            context.Response.StatusCode = statuses[Math.Min(call, statuses.Length) - 1];
            if (context.Response.StatusCode is >= 300 and < 400)
                context.Response.Headers.Location = "/elsewhere";
            return Task.CompletedTask;
        });
    }

    static Task<JsonElement> WaitForDelivery(FlowService service, string type, string id, string state, double seconds = 15) =>
        service.Member.WaitFor(type, id,
            j => j.GetProperty("CallbackDelivery") is { ValueKind: JsonValueKind.Object } d && d.GetProperty("State").GetString() == state,
            $"with its delivery {state}", seconds);

    static DateTime At(JsonElement attempt) => DateTime.Parse(attempt.GetProperty("At").GetString()!).ToUniversalTime();

    [Fact]
    public async Task A_receiver_answering_503_twice_then_200_gets_three_attempts_of_one_delivery()
    {
        await using var receiver = await Answering(503, 503, 200);
        await using var service = await FlowService.Start(OnPostgres);
        await service.Admin.Host("host-a", Inventory(4));

        await service.Member.Create("vm", "retried", Url(receiver, "retried"));
        var job = await WaitForDelivery(service, "vm", "retried", "delivered");

        var requests = receiver.Requests;
        Assert.Equal(3, requests.Count);
        Assert.Single(requests.Select(r => r.Headers["X-Queue-Delivery"]).Distinct());
        Assert.All(requests, r => Assert.Equal(requests[0].Body, r.Body));
        // Each attempt has its own timestamp; with no signing key configured there is no signature.
        var timestamps = requests.Select(r => long.Parse(r.Headers["X-Queue-Timestamp"])).ToList();
        Assert.Equal(timestamps.Order(), timestamps);
        Assert.True(timestamps[2] > timestamps[0], string.Join(", ", timestamps));
        Assert.All(requests, r => Assert.False(r.Headers.ContainsKey("X-Queue-Signature")));
        var delivery = job.GetProperty("CallbackDelivery");
        Assert.Equal(requests[0].Headers["X-Queue-Delivery"], delivery.GetProperty("ID").GetString());
        Assert.Equal(3, delivery.GetProperty("Attempts").GetInt32());
        Assert.NotEqual(JsonValueKind.Null, delivery.GetProperty("DeliveredAt").ValueKind);
        var history = delivery.GetProperty("History").EnumerateArray().ToList();
        Assert.Equal([503, 503, 200], history.Select(h => h.GetProperty("Status").GetInt32()).ToList());
        Assert.Equal("HTTP 503", history[0].GetProperty("Error").GetString());
        // The backoff starts at 1 s and doubles, with up to half of it taken off as jitter.
        Assert.True(At(history[1]) - At(history[0]) >= TimeSpan.FromMilliseconds(450), $"{At(history[0]):O} -> {At(history[1]):O}");
        Assert.True(At(history[2]) - At(history[1]) >= TimeSpan.FromMilliseconds(950), $"{At(history[1]):O} -> {At(history[2]):O}");
        Assert.Equal("running", job.GetProperty("Status").GetString());
    }

    [Fact]
    public async Task A_receiver_answering_at_once_gets_one_attempt_recorded_as_delivered()
    {
        await using var receiver = await Answering(204);
        await using var service = await FlowService.Start(OnPostgres);
        await service.Admin.Host("host-a", Inventory(4));

        await service.Member.Create("vm", "prompt", Url(receiver, "prompt"));
        var job = await WaitForDelivery(service, "vm", "prompt", "delivered");

        var request = Assert.Single(receiver.Requests);
        var delivery = job.GetProperty("CallbackDelivery");
        Assert.Equal(request.Headers["X-Queue-Delivery"], delivery.GetProperty("ID").GetString());
        Assert.Equal("job.admitted", delivery.GetProperty("Event").GetString());
        Assert.Equal(1, delivery.GetProperty("Attempts").GetInt32());
        Assert.Equal(JsonValueKind.Null, delivery.GetProperty("LastError").ValueKind);
        var attempt = Assert.Single(delivery.GetProperty("History").EnumerateArray());
        Assert.Equal(204, attempt.GetProperty("Status").GetInt32());
        Assert.Equal(JsonValueKind.Null, attempt.GetProperty("Error").ValueKind);
        var deliveredAt = DateTime.Parse(delivery.GetProperty("DeliveredAt").GetString()!).ToUniversalTime();
        Assert.InRange(deliveredAt - At(attempt), TimeSpan.Zero, TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData(404)]
    [InlineData(400)]
    [InlineData(302)]
    public async Task A_4xx_other_than_408_and_429_or_any_3xx_is_final_and_not_retried(int status)
    {
        await using var receiver = await Answering(status, 200);
        await using var service = await FlowService.Start(OnPostgres);
        await service.Admin.Host("host-a", Inventory(4));

        await service.Member.Create("vm", "final", Url(receiver, "final"));
        var job = await WaitForDelivery(service, "vm", "final", "failed");

        var delivery = job.GetProperty("CallbackDelivery");
        Assert.Equal(1, delivery.GetProperty("Attempts").GetInt32());
        Assert.Equal($"HTTP {status}", delivery.GetProperty("LastError").GetString());
        Assert.Equal(JsonValueKind.Null, delivery.GetProperty("DeliveredAt").ValueKind);
        Assert.Equal(status, Assert.Single(delivery.GetProperty("History").EnumerateArray()).GetProperty("Status").GetInt32());
        // The keep policy (the default): the job stays running.
        Assert.Equal("running", job.GetProperty("Status").GetString());
        // Longer than the first retry could take: still one request, and no redirect followed.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Equal(["/jobs/final"], receiver.Requests.Select(r => r.Path).ToList());
    }

    [Fact]
    public async Task A_429_is_retried_no_sooner_than_its_Retry_After()
    {
        var calls = 0;
        await using var receiver = await CallbackReceiver.Start(context =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                context.Response.StatusCode = 429;
                context.Response.Headers.RetryAfter = "3";
            }
            return Task.CompletedTask;
        });
        await using var service = await FlowService.Start(OnPostgres);
        await service.Admin.Host("host-a", Inventory(4));

        await service.Member.Create("vm", "throttled", Url(receiver, "throttled"));
        var job = await WaitForDelivery(service, "vm", "throttled", "delivered");

        var history = job.GetProperty("CallbackDelivery").GetProperty("History").EnumerateArray().ToList();
        Assert.Equal([429, 200], history.Select(h => h.GetProperty("Status").GetInt32()).ToList());
        Assert.True(At(history[1]) - At(history[0]) >= TimeSpan.FromSeconds(2.9), $"{At(history[0]):O} -> {At(history[1]):O}");
    }

    [Fact]
    public async Task A_receiver_slower_than_the_timeout_counts_as_a_failed_attempt_until_MaxAttempts()
    {
        await using var receiver = await CallbackReceiver.Start(async context =>
        {
            try { await Task.Delay(TimeSpan.FromSeconds(5), context.RequestAborted); } catch (OperationCanceledException) { }
        });
        await using var service = await FlowService.Start(OnPostgres, new() { ["Callbacks:Timeout"] = "00:00:00.3", ["Callbacks:MaxAttempts"] = "2" });
        await service.Admin.Host("host-a", Inventory(4));

        await service.Member.Create("vm", "slow", Url(receiver, "slow"));
        var job = await WaitForDelivery(service, "vm", "slow", "failed");

        var delivery = job.GetProperty("CallbackDelivery");
        Assert.Equal(2, delivery.GetProperty("Attempts").GetInt32());
        Assert.Equal("timeout after 300 ms", delivery.GetProperty("LastError").GetString());
        var history = delivery.GetProperty("History").EnumerateArray().ToList();
        Assert.All(history, h => Assert.Equal(JsonValueKind.Null, h.GetProperty("Status").ValueKind));
        Assert.Equal(2, receiver.Requests.Count);
        Assert.Equal("running", job.GetProperty("Status").GetString());
    }

    [Fact]
    public async Task A_delivery_is_given_up_once_its_next_attempt_would_fall_past_MaxAge()
    {
        await using var receiver = await Answering(503);
        await using var service = await FlowService.Start(OnPostgres, new() { ["Callbacks:MaxAge"] = "00:00:01" });
        await service.Admin.Host("host-a", Inventory(4));

        await service.Member.Create("vm", "aged", Url(receiver, "aged"));
        var job = await WaitForDelivery(service, "vm", "aged", "failed");

        // A second attempt is due 0.5 to 1 s after the first (inside the 1 s or just past it); a third would come 1 to
        // 2 s after that, past it for sure.
        var attempts = job.GetProperty("CallbackDelivery").GetProperty("Attempts").GetInt32();
        Assert.InRange(attempts, 1, 2);
        Assert.Equal(attempts, receiver.Requests.Count);
        Assert.Equal("HTTP 503", job.GetProperty("CallbackDelivery").GetProperty("LastError").GetString());
    }

    [Fact]
    public async Task A_receiver_that_refuses_connections_is_retried_until_MaxAttempts()
    {
        var closed = await CallbackReceiver.Answering(200);
        var url = Url(closed, "gone");
        await closed.DisposeAsync();
        await using var service = await FlowService.Start(OnPostgres, new() { ["Callbacks:MaxAttempts"] = "2" });
        await service.Admin.Host("host-a", Inventory(4));

        await service.Member.Create("vm", "unreachable", url);
        var job = await WaitForDelivery(service, "vm", "unreachable", "failed");

        var delivery = job.GetProperty("CallbackDelivery");
        Assert.Equal(2, delivery.GetProperty("Attempts").GetInt32());
        Assert.Equal("connection refused", delivery.GetProperty("LastError").GetString());
        Assert.All(delivery.GetProperty("History").EnumerateArray(), h => Assert.Equal("connection refused", h.GetProperty("Error").GetString()));
    }

    [Fact]
    public async Task With_the_release_policy_a_finally_failed_delivery_releases_the_job_and_admits_the_next()
    {
        await using var broken = await Answering(503);
        await using var working = await Answering(200);
        await using var service = await FlowService.Start(OnPostgres, new() { ["Callbacks:FailurePolicy"] = "release", ["Callbacks:MaxAttempts"] = "2" });
        await service.Admin.Host("host-a", Inventory(4));
        var doomed = await service.Member.Create("vm", "doomed", Url(broken, "doomed"), JobData(Instance(4, 1024, 1)));
        await service.Member.WaitForStatus("vm", "doomed", "running");
        await service.Member.Create("vm", "next", Url(working, "next"), JobData(Instance(4, 1024, 1)));

        var failed = await service.Member.WaitForStatus("vm", "doomed", "failed");

        var delivery = failed.GetProperty("CallbackDelivery");
        Assert.Equal("failed", delivery.GetProperty("State").GetString());
        Assert.Equal(2, delivery.GetProperty("Attempts").GetInt32());
        Assert.Equal(2, broken.Requests.Count);
        Assert.Empty((await service.Admin.Allocations(Server(doomed))).GetProperty("allocations").EnumerateObject());
        await service.Member.WaitForStatus("vm", "next", "running");
        Assert.Equal("job.admitted", Parse(Assert.Single(await Received(working, 1))).GetProperty("event").GetString());
    }

    [Fact]
    public async Task Resending_after_a_failed_delivery_sends_the_same_event_as_a_new_delivery()
    {
        await using var receiver = await Answering(404, 200);
        await using var service = await FlowService.Start(OnPostgres);
        await service.Admin.Host("host-a", Inventory(4));
        await service.Member.Create("vm", "fixed", Url(receiver, "fixed"));
        var failed = await WaitForDelivery(service, "vm", "fixed", "failed");

        var resent = await service.Member.Resend("vm", "fixed");

        Assert.Equal("""{"data":{},"ok":true}""", resent.Body.GetRawText());
        var job = await WaitForDelivery(service, "vm", "fixed", "delivered");
        var requests = receiver.Requests;
        Assert.Equal(2, requests.Count);
        Assert.NotEqual(requests[0].Headers["X-Queue-Delivery"], requests[1].Headers["X-Queue-Delivery"]);
        Assert.Equal(requests[0].Body, requests[1].Body);
        Assert.Equal("job.admitted", Parse(requests[1]).GetProperty("event").GetString());
        var delivery = job.GetProperty("CallbackDelivery");
        Assert.Equal(requests[1].Headers["X-Queue-Delivery"], delivery.GetProperty("ID").GetString());
        Assert.NotEqual(failed.GetProperty("CallbackDelivery").GetProperty("ID").GetString(), delivery.GetProperty("ID").GetString());
        Assert.Equal(1, delivery.GetProperty("Attempts").GetInt32());
    }
}

/// <summary>Callback deliveries, on PostgreSQL.</summary>
public sealed class CallbackDeliveryTestsOnPostgres : CallbackDeliveryTests
{
    protected override bool OnPostgres => true;
}
