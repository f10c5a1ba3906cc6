using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Tests.Hosts;

namespace Tests.Broker;

/// <summary>
/// No overcommit with many clients and two worker processes on one provider: exactly what fits succeeds, the rest
/// get Placement's capacity 409, and no client whose generations were current sees concurrent_update.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class AllocationSafetyTests
{
    const int Capacity = 50;
    const int Clients = 64;
    const int AttemptsPerClient = 2;

    [Fact]
    public async Task Sixty_four_clients_claiming_one_provider_through_two_workers_get_exactly_its_capacity()
    {
        await using var deployment = await SplitDeployment.Create("safety");
        deployment.StartWorker();
        deployment.StartWorker();
        await deployment.StartApi(new() { ["Api__RequestTimeout"] = "00:00:30" });
        var client = deployment.Client!;
        var provider = Guid.NewGuid();
        Assert.Equal(HttpStatusCode.OK, (await deployment.CreateProvider("contended", provider)).StatusCode);
        var inventory = await client.SendAsync(Request(HttpMethod.Put, $"/placement/resource_providers/{provider}/inventories", new
        {
            resource_provider_generation = 0,
            inventories = new { VCPU = new { total = Capacity } },
        }));
        Assert.True(inventory.StatusCode == HttpStatusCode.OK, await inventory.Content.ReadAsStringAsync());

        var answers = await Task.WhenAll(Enumerable.Range(0, Clients).Select(async _ =>
        {
            var mine = new List<(HttpStatusCode Status, string Body)>();
            for (var i = 0; i < AttemptsPerClient; i++)
            {
                var response = await client.SendAsync(Request(HttpMethod.Put, $"/placement/allocations/{Guid.NewGuid()}", new
                {
                    allocations = new Dictionary<string, object> { [provider.ToString()] = new { resources = new { VCPU = 1 } } },
                    project_id = "p", user_id = "u", consumer_generation = (int?)null, consumer_type = "INSTANCE",
                }));
                mine.Add((response.StatusCode, await response.Content.ReadAsStringAsync()));
            }
            return mine;
        }));
        var all = answers.SelectMany(a => a).ToList();

        Assert.Equal(Capacity, all.Count(a => a.Status == HttpStatusCode.NoContent));
        var refused = all.Where(a => a.Status != HttpStatusCode.NoContent).ToList();
        Assert.All(refused, a =>
        {
            Assert.Equal(HttpStatusCode.Conflict, a.Status);
            Assert.Contains("The requested amount would exceed the capacity", a.Body);
            Assert.DoesNotContain("placement.concurrent_update", a.Body);
        });
        Assert.Equal(Clients * AttemptsPerClient - Capacity, refused.Count);

        await using var connection = new NpgsqlConnection(deployment.Database);
        await connection.OpenAsync();
        await using var sum = new NpgsqlCommand("SELECT coalesce(sum(used), 0) FROM allocations", connection);
        Assert.Equal(Capacity, Convert.ToInt64(await sum.ExecuteScalarAsync()));
        var usages = await client.SendAsync(Request(HttpMethod.Get, $"/placement/resource_providers/{provider}/usages", null));
        Assert.Equal(Capacity, (await usages.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("usages").GetProperty("VCPU").GetInt32());
    }

    static HttpRequestMessage Request(HttpMethod method, string path, object? body) => new(method, path)
    {
        Headers = { { "OpenStack-API-Version", "placement 1.39" } },
        Content = body is null ? null : JsonContent.Create(body, options: new JsonSerializerOptions()),
    };
}
