using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace QueueBench;

/// <summary>The service under test: Placement to build the cloud, the queue API to submit and release jobs.</summary>
public sealed class Service(string baseUrl, int connections) : IDisposable
{
    readonly HttpClient http = new(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
    {
        BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/"),
        Timeout = TimeSpan.FromSeconds(60),
        DefaultRequestHeaders = { { "X-Auth-Token", "admin" } },
    };

    /// <summary>A host: a root provider with VCPU, MEMORY_MB and DISK_GB (allocation ratio 1).</summary>
    public async Task CreateHost(string name, int vcpu, int memoryMb, int diskGb)
    {
        var uuid = Guid.NewGuid().ToString();
        using var create = new HttpRequestMessage(HttpMethod.Post, "placement/resource_providers")
        {
            Headers = { { "OpenStack-API-Version", "placement 1.39" } },
            Content = JsonContent.Create(new { name, uuid }),
        };
        await Expect(await http.SendAsync(create), 200);
        using var inventory = new HttpRequestMessage(HttpMethod.Put, $"placement/resource_providers/{uuid}/inventories")
        {
            Headers = { { "OpenStack-API-Version", "placement 1.39" } },
            Content = JsonContent.Create(new
            {
                resource_provider_generation = 0,
                inventories = new Dictionary<string, object>
                {
                    ["VCPU"] = new { total = vcpu }, ["MEMORY_MB"] = new { total = memoryMb }, ["DISK_GB"] = new { total = diskGb },
                },
            }),
        };
        await Expect(await http.SendAsync(inventory), 200);
    }

    public async Task Submit(string type, string requestId, object instance, string callback)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var response = await http.PostAsJsonAsync($"v1/{type}/", new
            {
                request_id = requestId, owner_id = "bench", data = new { instances = new[] { instance } }, callback,
            });
            if ((int)response.StatusCode is 201 or 200)
                return;
            if ((int)response.StatusCode != 503 || attempt == 5)
                await Expect(response, 201);
        }
    }

    /// <summary>Finishes a running job: its resources go back, which is what wakes admission.</summary>
    public async Task Finish(string type, string requestId)
    {
        using var response = await http.PostAsJsonAsync($"v1/{type}/{requestId}", new { status = "done" });
        await Expect(response, 200);
    }

    public async Task<JsonNode?> Get(string path) => JsonNode.Parse(await http.GetStringAsync(path));

    static async Task Expect(HttpResponseMessage response, int status)
    {
        if ((int)response.StatusCode != status)
            throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public void Dispose() => http.Dispose();
}
