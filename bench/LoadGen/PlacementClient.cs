using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LoadGen;

/// <summary>One timed request: when it started and ended (seconds since the workload's clock started), its
/// latency, the HTTP status (0: no answer, the request failed or timed out) and whether it was a 409 whose error
/// code is <c>placement.concurrent_update</c>.</summary>
public readonly record struct Sample(double StartS, double EndS, double Ms, int Status, bool ConcurrentUpdate)
{
    public bool Ok => Status is >= 200 and < 300;
}

/// <summary>An answer: status, body text (empty when there was none) and the timing sample.</summary>
public sealed record Answer(int Status, string Body, Sample Sample)
{
    public bool Ok => Sample.Ok;

    public JsonNode? Json()
    {
        if (string.IsNullOrWhiteSpace(Body)) return null;
        try { return JsonNode.Parse(Body); }
        catch (JsonException) { return null; }
    }
}

/// <summary>Placement over HTTP: one <see cref="HttpClient"/> on a <see cref="SocketsHttpHandler"/> whose
/// connection pool holds as many keep-alive connections as there are clients. Every request carries
/// <c>X-Auth-Token: admin</c> and <c>OpenStack-API-Version: placement 1.39</c>; paths are relative to the base
/// URL (the peer serves Placement at the root, ours under <c>/placement</c>).</summary>
public sealed class PlacementClient : IDisposable
{
    public const string Microversion = "placement 1.39";
    static readonly Stopwatch Process = Stopwatch.StartNew();

    readonly HttpClient http;
    readonly string baseUrl;
    int failuresShown;

    public PlacementClient(string baseUrl, int connections)
    {
        this.baseUrl = baseUrl.TrimEnd('/');
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Add("X-Auth-Token", "admin");
        http.DefaultRequestHeaders.Add("OpenStack-API-Version", Microversion);
        http.DefaultRequestHeaders.Add("Accept", "application/json");
    }

    /// <summary>Seconds on a clock shared by all requests of this process.</summary>
    public static double Now => Process.Elapsed.TotalSeconds;

    public Task<Answer> Get(string path, double clock0) => Send(HttpMethod.Get, path, null, clock0);
    public Task<Answer> Put(string path, object body, double clock0) => Send(HttpMethod.Put, path, body, clock0);
    public Task<Answer> Post(string path, object? body, double clock0) => Send(HttpMethod.Post, path, body, clock0);

    /// <summary>Sends one request and reads the whole answer; the latency covers both. Never throws for a
    /// transport failure: that is status 0.</summary>
    public async Task<Answer> Send(HttpMethod method, string path, object? body, double clock0)
    {
        using var request = new HttpRequestMessage(method, baseUrl + path);
        if (body is not null)
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8,
                "application/json");
        var start = Now;
        int status;
        string text;
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
            status = (int)response.StatusCode;
            text = await response.Content.ReadAsStringAsync();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            status = 0;
            text = e.Message;
            if (Interlocked.Increment(ref failuresShown) <= 5)
                Console.Error.WriteLine($"loadgen: {method} {path}: {e.GetType().Name}: {e.Message}");
        }
        var end = Now;
        var concurrent = status == 409 && ErrorCode(text) == "placement.concurrent_update";
        return new Answer(status, text, new Sample(start - clock0, end - clock0, (end - start) * 1000, status, concurrent));
    }

    /// <summary>The code of Placement's error format: <c>{"errors": [{"code": ...}]}</c>.</summary>
    public static string? ErrorCode(string body)
    {
        try
        {
            return JsonNode.Parse(body)?["errors"]?[0]?["code"]?.GetValue<string>();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    public void Dispose() => http.Dispose();
}
