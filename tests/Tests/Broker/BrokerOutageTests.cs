using System.Diagnostics;
using System.Net;
using Tests.Hosts;

namespace Tests.Broker;

/// <summary>With the broker down the Api answers 503 within its request timeout, never hangs, and recovers alone.</summary>
[Collection(BrokerCollection.Name)]
public sealed class BrokerOutageTests
{
    [Fact]
    public async Task A_stopped_broker_gives_503_within_the_request_timeout_and_the_service_recovers_when_it_returns()
    {
        await using var deployment = await SplitDeployment.Create("outage");
        deployment.StartWorker();
        await deployment.StartApi(new() { ["Api__RequestTimeout"] = "00:00:03" });
        Assert.Equal(HttpStatusCode.OK, (await deployment.CreateProvider("before", Guid.NewGuid())).StatusCode);

        await TestServers.RabbitMqCtl("stop_app");
        try
        {
            var clock = Stopwatch.StartNew();
            var during = await deployment.CreateProvider("during", Guid.NewGuid());
            clock.Stop();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
            Assert.True(during.Headers.RetryAfter is not null, "503 without Retry-After");
            Assert.Contains("placement", await during.Content.ReadAsStringAsync()); // Placement's error body
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"took {clock.Elapsed}");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await deployment.Client!.GetAsync("/readyz")).StatusCode);
        }
        finally
        {
            await TestServers.RabbitMqCtl("start_app");
        }

        // No restart of ours: the processes reconnect by themselves.
        var deadline = DateTime.UtcNow.AddSeconds(90);
        HttpStatusCode status;
        do
        {
            status = (await deployment.CreateProvider($"after-{Guid.NewGuid():N}", Guid.NewGuid())).StatusCode;
            if (status != HttpStatusCode.OK)
                await Task.Delay(500);
        } while (status != HttpStatusCode.OK && DateTime.UtcNow < deadline);
        Assert.True(status == HttpStatusCode.OK, $"not recovered: {status}\n{deployment.Logs}");
    }
}
