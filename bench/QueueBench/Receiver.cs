using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace QueueBench;

/// <summary>The jobs' callback receiver: Kestrel on loopback, answering 200 at once and noting when each callback arrived.</summary>
public sealed class Receiver : IAsyncDisposable
{
    /// <param name="At">Seconds on the benchmark's clock.</param>
    /// <param name="Host">Where the job's first instance landed.</param>
    public sealed record Arrival(double At, string Type, string RequestId, string Event, string Delivery, string? Host);

    readonly WebApplication app;
    readonly ConcurrentQueue<Arrival> arrivals = new();
    readonly ConcurrentDictionary<string, int> counts = new();

    Receiver(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port));
        app = builder.Build();
        app.MapPost("/cb/{type}/{requestId}", async (HttpContext http, string type, string requestId) =>
        {
            var at = Clock.Now;
            using var body = await JsonDocument.ParseAsync(http.Request.Body);
            var data = body.RootElement.GetProperty("data");
            var instances = data.GetProperty("Instances");
            var host = instances.GetArrayLength() > 0 && instances[0].TryGetProperty("Host", out var h) ? h.GetString() : null;
            arrivals.Enqueue(new(at, type, requestId, body.RootElement.GetProperty("event").GetString()!,
                http.Request.Headers["X-Queue-Delivery"].ToString(), host));
            counts.AddOrUpdate(type, 1, (_, n) => n + 1);
            return Results.Ok();
        });
    }

    public static async Task<Receiver> Start(int port)
    {
        var receiver = new Receiver(port);
        await receiver.app.StartAsync();
        return receiver;
    }

    public IReadOnlyList<Arrival> Arrivals => [.. arrivals];

    public int Count(string type) => counts.GetValueOrDefault(type);

    public async Task<bool> WaitFor(string type, int count, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (Count(type) < count)
        {
            if (deadline.Elapsed > timeout)
                return false;
            await Task.Delay(50);
        }
        return true;
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}

public static class Clock
{
    static readonly Stopwatch Started = Stopwatch.StartNew();

    public static double Now => Started.Elapsed.TotalSeconds;
}
