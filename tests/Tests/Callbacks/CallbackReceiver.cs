using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tests.Callbacks;

/// <summary>A real HTTP server on 127.0.0.1 and a free port that records every request it receives.</summary>
public sealed class CallbackReceiver : IAsyncDisposable
{
    public sealed record Request(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body);

    readonly WebApplication app;
    readonly ConcurrentQueue<Request> requests = new();

    CallbackReceiver(Func<HttpContext, Task> respond)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        app = builder.Build();
        app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            requests.Enqueue(new(
                context.Request.Method, context.Request.Path.Value ?? "",
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                body.ToArray()));
            await respond(context);
        });
    }

    public static async Task<CallbackReceiver> Start(Func<HttpContext, Task> respond)
    {
        var receiver = new CallbackReceiver(respond);
        await receiver.app.StartAsync();
        return receiver;
    }

    public static Task<CallbackReceiver> Answering(int status) => Start(context =>
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    });

    public int Port => new Uri(app.Services.GetRequiredService<IServer>().Features
        .GetRequiredFeature<IServerAddressesFeature>().Addresses.Single()).Port;

    public Uri Url(string path = "/hook", string host = "127.0.0.1") => new($"http://{host}:{Port}{path}");

    public IReadOnlyList<Request> Requests => [.. requests];

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
