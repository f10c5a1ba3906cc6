using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Tests.Hosts;

namespace Tests.Broker;

/// <summary>
/// What the queue's broker-level tests do through a split deployment's Api, as a client would: hosts with inventory
/// in Placement, jobs submitted, finished and read on <c>/v1/{type}/</c>, writes retried on 503 and transport
/// errors; and what they check in its PostgreSQL database directly.
/// </summary>
public sealed class QueueCloud(SplitDeployment deployment)
{
    HttpClient Client => deployment.Client ?? throw new InvalidOperationException("Start the Api first.");

    /// <summary>A root provider named <paramref name="name"/> with VCPU, MEMORY_MB and DISK_GB inventory.</summary>
    public async Task<Guid> CreateHost(string name, int vcpu, int memoryMb, int diskGb)
    {
        var uuid = Guid.NewGuid();
        var created = await deployment.CreateProvider(name, uuid);
        Assert.True(created.StatusCode == HttpStatusCode.OK, $"create {name}: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        var inventory = await Client.SendAsync(new HttpRequestMessage(HttpMethod.Put, $"/placement/resource_providers/{uuid}/inventories")
        {
            Headers = { { "OpenStack-API-Version", "placement 1.39" } },
            Content = JsonContent.Create(new
            {
                resource_provider_generation = 0,
                inventories = new Dictionary<string, object>
                {
                    ["VCPU"] = new { total = vcpu },
                    ["MEMORY_MB"] = new { total = memoryMb },
                    ["DISK_GB"] = new { total = diskGb },
                },
            }),
        });
        Assert.True(inventory.StatusCode == HttpStatusCode.OK, $"inventory of {name}: {(int)inventory.StatusCode} {await inventory.Content.ReadAsStringAsync()}");
        return uuid;
    }

    /// <summary>The body of <c>POST /v1/{type}/</c> for a job of the given instances (VCPU, MiB, GiB each).</summary>
    public static object JobBody(string requestId, Uri callback, params (int Vcpu, int Memory, int Disk)[] instances) => new
    {
        request_id = requestId,
        owner_id = "tenant",
        callback = callback.ToString(),
        data = new
        {
            project = "tenant",
            instances = instances.Select(i => new { VCPU = i.Vcpu, Memory = i.Memory, Disk = i.Disk }).ToArray(),
        },
    };

    /// <summary>
    /// Submits a job and returns its answer (201 created or 200 the same job), retrying as a client would on 503
    /// ("outcome unknown") and transport errors: the same body again is a safe retry. Every answer is kept in
    /// <paramref name="answers"/> when given.
    /// </summary>
    public async Task<(HttpStatusCode Status, JsonElement Job)> Submit(string type, object body, List<HttpStatusCode>? answers = null, TimeSpan? within = null)
    {
        var response = await Retrying(() => new HttpRequestMessage(HttpMethod.Post, $"/v1/{type}/") { Content = JsonContent.Create(body) },
            answers, within);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"submit to {type}: {(int)response.StatusCode} {text}");
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.GetProperty("data").Clone());
    }

    /// <summary>
    /// Finishes a running job (<c>{"status": "done"}</c>), retrying on 503 and transport errors: a retry whose first
    /// try was applied finds the job done and answers 200 too.
    /// </summary>
    public async Task Finish(string type, string requestId, List<HttpStatusCode>? answers = null, TimeSpan? within = null)
    {
        var response = await Retrying(() => new HttpRequestMessage(HttpMethod.Post, $"/v1/{type}/{requestId}")
        {
            Content = JsonContent.Create(new { status = "done" }),
        }, answers, within);
        if (response.StatusCode != HttpStatusCode.OK)
            Assert.Fail($"finish {type}/{requestId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public async Task<JsonElement> Job(string type, string requestId)
    {
        var response = await Retrying(() => new HttpRequestMessage(HttpMethod.Get, $"/v1/{type}/{requestId}"), null, null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"get {type}/{requestId}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("data").Clone();
    }

    async Task<HttpResponseMessage> Retrying(Func<HttpRequestMessage> request, List<HttpStatusCode>? answers, TimeSpan? within)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromMinutes(2));
        for (var attempt = 1; ; attempt++)
        {
            HttpResponseMessage? response = null;
            string? failure = null;
            try
            {
                response = await Client.SendAsync(request());
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                failure = e.Message;
            }
            if (answers is not null)
                lock (answers)
                    answers.Add(response?.StatusCode ?? 0);
            if (response is not null && response.StatusCode != HttpStatusCode.ServiceUnavailable)
                return response;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"no answer but 503 or transport errors after {attempt} attempts: {failure ?? await response!.Content.ReadAsStringAsync()}");
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(100 * attempt, 1000)));
        }
    }

    /// <summary>Every row a query returns, each as its columns' values.</summary>
    public async Task<List<object?[]>> Rows(string sql)
    {
        await using var connection = new NpgsqlConnection(deployment.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    public async Task<long> Count(string sql) => Convert.ToInt64((await Rows(sql)).Single()[0]);

    /// <summary>
    /// Providers and resource classes whose allocations exceed their capacity ((total - reserved) x allocation ratio),
    /// and allocations of a class the provider has no inventory of; one line each, none when all is well.
    /// </summary>
    public async Task<List<string>> Overcommitted()
    {
        var rows = await Rows("""
            SELECT p.name, rc.name, coalesce(i.total, 0), coalesce(i.reserved, 0), coalesce(i.allocation_ratio, 0), sum(a.used)
            FROM allocations a
            JOIN resource_providers p ON p.id = a.resource_provider_id
            JOIN resource_classes rc ON rc.id = a.resource_class_id
            LEFT JOIN inventories i ON i.resource_provider_id = a.resource_provider_id AND i.resource_class_id = a.resource_class_id
            GROUP BY p.name, rc.name, i.total, i.reserved, i.allocation_ratio
            HAVING sum(a.used) > floor((coalesce(i.total, 0) - coalesce(i.reserved, 0)) * coalesce(i.allocation_ratio, 0))
            """);
        return rows.Select(r => $"{r[0]} {r[1]}: used {r[5]} of total {r[2]}, reserved {r[3]}, ratio {r[4]}").ToList();
    }
}
