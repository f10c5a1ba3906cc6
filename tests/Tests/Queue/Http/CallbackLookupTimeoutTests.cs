using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Tests.Hosts;
using Workers.Callbacks;

namespace Tests.Queue.Http;

/// <summary>The SSRF guard's name lookup at submit waits no longer than <c>Api:RequestTimeout</c>.</summary>
public sealed class CallbackLookupTimeoutTests
{
    /// <summary>A name server that never answers.</summary>
    sealed class SilentResolver : IHostAddressResolver
    {
        public async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return [];
        }
    }

    [Fact]
    public async Task A_callback_host_that_does_not_resolve_in_time_is_503_unavailable_and_nothing_is_queued()
    {
        await using var service = new EmbeddedService(
            new() { ["Callbacks:AllowPrivateNetworks"] = "false", ["Api:RequestTimeout"] = "00:00:01" },
            services => services.AddSingleton<IHostAddressResolver, SilentResolver>());
        var queue = new QueueClient(service.CreateClient(), "alice:p1");

        var clock = Stopwatch.StartNew();
        var answer = await queue.Submit("vm", QueueClient.Body("slow-dns", "http://hooks.example.test/slow"));
        clock.Stop();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.Status);
        Assert.Equal("unavailable", answer.Code);
        Assert.Contains("hooks.example.test", answer.Error);
        Assert.NotNull(answer.Response.Headers.RetryAfter);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal(HttpStatusCode.NotFound, (await queue.Get("vm", "slow-dns")).Status);
    }
}
