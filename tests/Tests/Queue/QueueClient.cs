using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Tests.Callbacks;

namespace Tests.Queue;

/// <summary>
/// Talks to the embedded service the way a client of the queue does (<c>/v1</c>, a token per caller), and sets up
/// the cloud through <c>/placement</c> as an operator. Every answer is read whole, so tests assert on real values.
/// </summary>
public sealed class QueueClient(HttpClient http, string token = "admin")
{
    public const string PlacementVersion = "placement 1.39";

    /// <summary>Names as written (<c>VCPU</c> stays <c>VCPU</c>), unlike the web defaults' camelCase.</summary>
    static readonly JsonSerializerOptions Plain = new();

    public HttpClient Http => http;

    /// <summary>The same service, called with another token (<c>user:project</c> in noauth mode, or <c>admin</c>).</summary>
    public QueueClient As(string otherToken) => new(http, otherToken);

    public sealed record Answer(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)
    {
        public JsonElement Data => Body.GetProperty("data");
        public string? Code => Body.TryGetProperty("code", out var code) ? code.GetString() : null;
        public string Error => Body.GetProperty("error").GetString()!;
        public override string ToString() => $"{(int)Status} {Body}";
    }

    public async Task<Answer> Send(HttpMethod method, string path, object? body = null, string? asToken = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Auth-Token", asToken ?? token);
        request.Content = body switch
        {
            null => null,
            string raw => new StringContent(raw, Encoding.UTF8, "application/json"),
            _ => JsonContent.Create(body, options: Plain),
        };
        return await Read(await http.SendAsync(request));
    }

    public static async Task<Answer> Read(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return new Answer(response.StatusCode, body, response);
    }

    /// <summary>A job's submit body; <paramref name="data"/> defaults to one small instance.</summary>
    public static Dictionary<string, object?> Body(string requestId, string callback, string owner = "p1", object? data = null) => new()
    {
        ["request_id"] = requestId,
        ["owner_id"] = owner,
        ["data"] = data ?? JobData(Instance(1, 64, 1)),
        ["callback"] = callback,
    };

    public static Dictionary<string, object?> JobData(params object[] instances) => new() { ["instances"] = instances };

    public static Dictionary<string, object?> Instance(int vcpu, int memory, int disk) => new()
    {
        ["VCPU"] = vcpu,
        ["Memory"] = memory,
        ["Disk"] = disk,
    };

    public Task<Answer> Submit(string type, object body, string? asToken = null) => Send(HttpMethod.Post, $"/v1/{type}/", body, asToken);

    /// <summary>Submits and insists on 201: the job as created.</summary>
    public async Task<JsonElement> Create(string type, string requestId, string callback, object? data = null, string owner = "p1")
    {
        var answer = await Submit(type, Body(requestId, callback, owner, data));
        Assert.True(answer.Status == HttpStatusCode.Created, $"submit {requestId}: {answer}");
        return answer.Data;
    }

    public Task<Answer> Get(string type, string requestId) => Send(HttpMethod.Get, $"/v1/{type}/{requestId}");

    public async Task<JsonElement> Job(string type, string requestId)
    {
        var answer = await Get(type, requestId);
        Assert.True(answer.Status == HttpStatusCode.OK, $"get {requestId}: {answer}");
        return answer.Data;
    }

    public Task<Answer> List(string type, string query = "") => Send(HttpMethod.Get, $"/v1/{type}/{query}");

    public Task<Answer> Change(string type, string requestId, object body) => Send(HttpMethod.Post, $"/v1/{type}/{requestId}", body);

    public Task<Answer> Delete(string type, string requestId) => Send(HttpMethod.Delete, $"/v1/{type}/{requestId}");

    public Task<Answer> Resend(string type, string requestId) => Send(HttpMethod.Post, $"/v1/{type}/{requestId}/callback");

    /// <summary>Polls the job until <paramref name="done"/> holds; fails with the last state seen after the deadline.</summary>
    public async Task<JsonElement> WaitFor(string type, string requestId, Func<JsonElement, bool> done, string what, double seconds = 10)
    {
        JsonElement last = default;
        await Eventually(async () =>
        {
            last = await Job(type, requestId);
            return done(last);
        }, () => $"job {requestId} never became {what}; last seen: {last}", seconds);
        return last;
    }

    public Task<JsonElement> WaitForStatus(string type, string requestId, string status, double seconds = 10) =>
        WaitFor(type, requestId, job => job.GetProperty("Status").GetString() == status, status, seconds);

    /// <summary>Waits until the admission pass has looked at a queued job: it then carries its reason.</summary>
    public Task<JsonElement> WaitForReason(string type, string requestId, double seconds = 10) =>
        WaitFor(type, requestId, job => job.GetProperty("Reason").ValueKind == JsonValueKind.String, "explained", seconds);

    public static async Task Eventually(Func<Task<bool>> condition, Func<string> failure, double seconds = 10)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(seconds))
                Assert.Fail(failure());
            await Task.Delay(50);
        }
    }

    /// <summary>Waits until the receiver has had at least <paramref name="count"/> requests; returns them all.</summary>
    public static async Task<IReadOnlyList<CallbackReceiver.Request>> Received(CallbackReceiver receiver, int count, double seconds = 10)
    {
        await Eventually(() => Task.FromResult(receiver.Requests.Count >= count),
            () => $"the receiver got {receiver.Requests.Count} requests, not {count}", seconds);
        return receiver.Requests;
    }

    /// <summary>A received callback's body, parsed.</summary>
    public static JsonElement Parse(CallbackReceiver.Request request) => JsonDocument.Parse(request.Body).RootElement.Clone();

    // Placement, as the operator (admin) sets the cloud up.

    public Task<Answer> Placement(HttpMethod method, string path, object? body = null, string version = PlacementVersion)
    {
        var request = new HttpRequestMessage(method, "/placement" + path);
        request.Headers.Add("X-Auth-Token", "admin");
        request.Headers.Add("OpenStack-API-Version", version);
        if (body is not null)
            request.Content = JsonContent.Create(body, options: Plain);
        return SendDisposing(request);
    }

    async Task<Answer> SendDisposing(HttpRequestMessage request)
    {
        using (request)
            return await Read(await http.SendAsync(request));
    }

    /// <summary>A root provider (a host) with the given inventory totals.</summary>
    public async Task<Guid> Host(string name, Dictionary<string, int> inventory)
    {
        var created = await Placement(HttpMethod.Post, "/resource_providers", new { name });
        Assert.True(created.Status == HttpStatusCode.OK, $"create provider {name}: {created}");
        var uuid = Guid.Parse(created.Body.GetProperty("uuid").GetString()!);
        var set = await Placement(HttpMethod.Put, $"/resource_providers/{uuid}/inventories", new
        {
            resource_provider_generation = created.Body.GetProperty("generation").GetInt64(),
            inventories = inventory.ToDictionary(i => i.Key, i => new { total = i.Value }),
        });
        Assert.True(set.Status == HttpStatusCode.OK, $"inventory of {name}: {set}");
        return uuid;
    }

    public static Dictionary<string, int> Inventory(int vcpu, int memory = 65536, int disk = 1000) => new()
    {
        ["VCPU"] = vcpu,
        ["MEMORY_MB"] = memory,
        ["DISK_GB"] = disk,
    };

    async Task<long> Generation(Guid provider) =>
        (await Placement(HttpMethod.Get, $"/resource_providers/{provider}")).Body.GetProperty("generation").GetInt64();

    public async Task SetTraits(Guid provider, params string[] traits)
    {
        foreach (var custom in traits.Where(t => t.StartsWith("CUSTOM_", StringComparison.Ordinal)))
            Assert.True((await Placement(HttpMethod.Put, $"/traits/{custom}")).Status is HttpStatusCode.Created or HttpStatusCode.NoContent);
        var set = await Placement(HttpMethod.Put, $"/resource_providers/{provider}/traits",
            new { resource_provider_generation = await Generation(provider), traits });
        Assert.True(set.Status == HttpStatusCode.OK, $"traits: {set}");
    }

    public async Task SetAggregates(Guid provider, params Guid[] aggregates)
    {
        var set = await Placement(HttpMethod.Put, $"/resource_providers/{provider}/aggregates",
            new { resource_provider_generation = await Generation(provider), aggregates });
        Assert.True(set.Status == HttpStatusCode.OK, $"aggregates: {set}");
    }

    /// <summary><c>GET /placement/allocations/{consumer}</c> at 1.38, where the consumer type shows.</summary>
    public async Task<JsonElement> Allocations(Guid consumer)
    {
        var answer = await Placement(HttpMethod.Get, $"/allocations/{consumer}", version: "placement 1.38");
        Assert.True(answer.Status == HttpStatusCode.OK, $"allocations of {consumer}: {answer}");
        return answer.Body;
    }

    /// <summary>The <c>Data</c> string of a job, parsed.</summary>
    public static JsonElement DataOf(JsonElement job) => JsonDocument.Parse(job.GetProperty("Data").GetString()!).RootElement.Clone();

    /// <summary>A job's JSON text without <c>Reason</c>, which the admission pass writes whenever it runs.</summary>
    public static string WithoutReason(JsonElement job)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(job.GetRawText())!.AsObject();
        node.Remove("Reason");
        return node.ToJsonString();
    }

    public static IReadOnlyList<string> Names(JsonElement element) => element.EnumerateObject().Select(p => p.Name).ToList();

    public static Guid Server(JsonElement job, int index = 0) =>
        Guid.Parse(job.GetProperty("Instances")[index].GetProperty("ServerUUID").GetString()!);
}
