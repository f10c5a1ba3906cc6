using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Workers.Callbacks;

namespace Tests.Callbacks;

/// <summary>One attempt against a real receiver on loopback (private networks allowed, as in development).</summary>
public sealed class CallbackSenderTests
{
    static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"event\":\"job.admitted\",\"data\":{\"ID\":8,\"Note\":\"caf\u00e9 \\u00e9\"}}");
    const string DeliveryId = "5f0c1a52-8c1e-4a53-9a59-2d5f3b1f8e11";

    static Task<CallbackAttempt> Send(Microsoft.Extensions.Hosting.IHost host, Uri url, CancellationToken cancellationToken = default) =>
        host.Services.GetRequiredService<CallbackSender>().SendAsync(url, DeliveryId, Body, cancellationToken);

    [Fact]
    public async Task An_attempt_posts_the_exact_body_with_the_delivery_headers_and_a_signature_that_verifies()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        using var host = CallbackHost.AllowingPrivateNetworks(new() { ["Callbacks:SigningKey"] = "s3cr\u00e9t" });

        var attempt = await Send(host, receiver.Url());

        Assert.Equal(CallbackOutcome.Delivered, attempt.Outcome);
        var request = Assert.Single(receiver.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/hook", request.Path);
        Assert.Equal(Body, request.Body);
        Assert.Equal("application/json", request.Headers["Content-Type"]);
        Assert.Equal(DeliveryId, request.Headers["X-Queue-Delivery"]);
        var timestamp = CallbackHost.Epoch.ToUnixTimeSeconds().ToString();
        Assert.Equal(timestamp, request.Headers["X-Queue-Timestamp"]);
        Assert.Equal(CallbackHost.Epoch, attempt.At);

        // Recomputed here from the bytes that arrived, not with the service's own code.
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes("s3cr\u00e9t"));
        var expected = "sha256=" + Convert.ToHexString(hmac.ComputeHash([.. Encoding.UTF8.GetBytes(timestamp + "."), .. request.Body])).ToLowerInvariant();
        Assert.Equal(expected, request.Headers["X-Queue-Signature"]);
    }

    [Fact]
    public async Task Without_a_signing_key_no_signature_header_is_sent()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        using var host = CallbackHost.AllowingPrivateNetworks(new() { ["Callbacks:SigningKey"] = "" });

        Assert.Equal(CallbackOutcome.Delivered, (await Send(host, receiver.Url())).Outcome);

        var request = Assert.Single(receiver.Requests);
        Assert.False(request.Headers.ContainsKey("X-Queue-Signature"));
        Assert.Equal(DeliveryId, request.Headers["X-Queue-Delivery"]);
    }

    [Fact]
    public async Task Every_attempt_carries_the_same_delivery_id_and_its_own_timestamp_and_signature()
    {
        await using var receiver = await CallbackReceiver.Answering(503);
        var time = new ManualTime(CallbackHost.Epoch);
        using var host = CallbackHost.AllowingPrivateNetworks(new() { ["Callbacks:SigningKey"] = "k" }, time: time);

        await Send(host, receiver.Url());
        time.Now += TimeSpan.FromSeconds(7);
        await Send(host, receiver.Url());

        var (first, second) = (receiver.Requests[0], receiver.Requests[1]);
        Assert.Equal(first.Headers["X-Queue-Delivery"], second.Headers["X-Queue-Delivery"]);
        Assert.Equal(CallbackHost.Epoch.ToUnixTimeSeconds() + 7, long.Parse(second.Headers["X-Queue-Timestamp"]));
        Assert.NotEqual(first.Headers["X-Queue-Signature"], second.Headers["X-Queue-Signature"]);
    }

    [Theory]
    [InlineData(200)]
    [InlineData(201)]
    [InlineData(204)]
    public async Task A_2xx_answer_is_delivered(int status)
    {
        await using var receiver = await CallbackReceiver.Answering(status);
        using var host = CallbackHost.AllowingPrivateNetworks();

        var attempt = await Send(host, receiver.Url());

        Assert.Equal(new CallbackAttempt(CallbackOutcome.Delivered, CallbackHost.Epoch, status, null), attempt);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(408)]
    [InlineData(429)]
    public async Task A_408_429_or_5xx_answer_is_retried(int status)
    {
        await using var receiver = await CallbackReceiver.Answering(status);
        using var host = CallbackHost.AllowingPrivateNetworks();

        var attempt = await Send(host, receiver.Url());

        Assert.Equal(new CallbackAttempt(CallbackOutcome.Retry, CallbackHost.Epoch, status, $"HTTP {status}"), attempt);
    }

    [Theory]
    [InlineData(503)]
    [InlineData(429)]
    public async Task Retry_After_in_seconds_is_carried_with_the_retry(int status)
    {
        await using var receiver = await CallbackReceiver.Start(context =>
        {
            context.Response.StatusCode = status;
            context.Response.Headers.RetryAfter = "120";
            return Task.CompletedTask;
        });
        using var host = CallbackHost.AllowingPrivateNetworks();

        var attempt = await Send(host, receiver.Url());

        Assert.Equal(CallbackOutcome.Retry, attempt.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(120), attempt.RetryAfter);
    }

    [Fact]
    public async Task Retry_After_as_an_HTTP_date_is_carried_as_the_delay_until_that_date()
    {
        await using var receiver = await CallbackReceiver.Start(context =>
        {
            context.Response.StatusCode = 503;
            context.Response.Headers.RetryAfter = CallbackHost.Epoch.AddSeconds(90).ToString("R");
            return Task.CompletedTask;
        });
        using var host = CallbackHost.AllowingPrivateNetworks();

        var attempt = await Send(host, receiver.Url());

        Assert.Equal(CallbackOutcome.Retry, attempt.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(90), attempt.RetryAfter);
    }

    [Fact]
    public async Task Retry_After_with_a_date_already_past_is_a_zero_delay()
    {
        await using var receiver = await CallbackReceiver.Start(context =>
        {
            context.Response.StatusCode = 503;
            context.Response.Headers.RetryAfter = CallbackHost.Epoch.AddHours(-1).ToString("R");
            return Task.CompletedTask;
        });
        using var host = CallbackHost.AllowingPrivateNetworks();

        Assert.Equal(TimeSpan.Zero, (await Send(host, receiver.Url())).RetryAfter);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(404)]
    [InlineData(410)]
    [InlineData(422)]
    public async Task Other_4xx_answers_are_final(int status)
    {
        await using var receiver = await CallbackReceiver.Start(context =>
        {
            context.Response.StatusCode = status;
            context.Response.Headers.RetryAfter = "5";
            return Task.CompletedTask;
        });
        using var host = CallbackHost.AllowingPrivateNetworks();

        var attempt = await Send(host, receiver.Url());

        Assert.Equal(new CallbackAttempt(CallbackOutcome.Final, CallbackHost.Epoch, status, $"HTTP {status}"), attempt);
    }

    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(303)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task Redirects_are_final_and_their_target_is_never_requested(int status)
    {
        CallbackReceiver? self = null;
        await using var receiver = self = await CallbackReceiver.Start(context =>
        {
            if (context.Request.Path == "/hook")
            {
                context.Response.StatusCode = status;
                context.Response.Headers.Location = self!.Url("/moved").ToString();
            }
            return Task.CompletedTask;
        });
        using var host = CallbackHost.AllowingPrivateNetworks();

        var attempt = await Send(host, receiver.Url());

        Assert.Equal(new CallbackAttempt(CallbackOutcome.Final, CallbackHost.Epoch, status, $"HTTP {status}"), attempt);
        Assert.Equal(["/hook"], receiver.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task A_receiver_slower_than_the_timeout_is_retried_as_a_timeout()
    {
        await using var receiver = await CallbackReceiver.Start(async context =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
            context.Response.StatusCode = 200;
        });
        using var host = CallbackHost.AllowingPrivateNetworks(new() { ["Callbacks:Timeout"] = "00:00:01" });

        var clock = Stopwatch.StartNew();
        var attempt = await Send(host, receiver.Url());

        Assert.Equal(new CallbackAttempt(CallbackOutcome.Retry, CallbackHost.Epoch, null, "timeout after 1 s"), attempt);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_closed_port_is_retried_as_a_refused_connection()
    {
        var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var host = CallbackHost.AllowingPrivateNetworks();

        var attempt = await Send(host, new Uri($"http://127.0.0.1:{port}/hook"));

        Assert.Equal(new CallbackAttempt(CallbackOutcome.Retry, CallbackHost.Epoch, null, "connection refused"), attempt);
    }

    [Fact]
    public async Task A_host_that_stops_resolving_is_retried()
    {
        using var host = CallbackHost.AllowingPrivateNetworks(resolver: new MappedResolver());

        var attempt = await Send(host, new Uri("http://gone.test/hook"));

        Assert.Equal(new CallbackAttempt(CallbackOutcome.Retry, CallbackHost.Epoch, null, "host does not resolve"), attempt);
    }

    [Fact]
    public async Task Cancellation_by_the_caller_is_not_reported_as_an_outcome()
    {
        await using var receiver = await CallbackReceiver.Start(async context =>
            await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted));
        using var host = CallbackHost.AllowingPrivateNetworks();
        using var stopping = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Send(host, receiver.Url(), stopping.Token));
    }
}
