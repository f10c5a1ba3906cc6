using System.Diagnostics;
using System.Net;
using Tests.Hosts;

namespace Tests.Queue.Http;

/// <summary>With no broker to reach, the queue answers 503 <c>unavailable</c> in its envelope, within the request timeout.</summary>
public sealed class QueueUnavailableTests
{
    [Fact]
    public async Task Without_a_broker_a_queue_request_is_503_unavailable_with_Retry_After()
    {
        await using var service = new EmbeddedService(new()
        {
            ["Bus:Transport"] = "RabbitMq",
            ["ConnectionStrings:RabbitMq"] = $"amqp://guest:guest@127.0.0.1:{ServiceProcess.FreePort()}/",
            ["Workers:InProcess"] = "false",
            ["Api:RequestTimeout"] = "00:00:02",
        });
        var queue = new QueueClient(service.CreateClient(), "alice:p1");

        var clock = Stopwatch.StartNew();
        var answer = await queue.Submit("vm", QueueClient.Body("unanswered", QueueHttpService.Callback("unanswered")));
        clock.Stop();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.Status);
        Assert.NotNull(answer.Response.Headers.RetryAfter);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"took {clock.Elapsed}");
        Assert.Equal(["code", "error", "ok"], QueueClient.Names(answer.Body).Order());
        Assert.False(answer.Body.GetProperty("ok").GetBoolean());
        Assert.Equal("unavailable", answer.Code);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await queue.List("vm")).Status);
    }
}
