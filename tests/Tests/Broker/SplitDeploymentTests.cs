using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Tests.Hosts;

namespace Tests.Broker;

/// <summary>The Api and two Workers processes on the real RabbitMQ and PostgreSQL.</summary>
[Collection(BrokerCollection.Name)]
public sealed class SplitDeploymentTests
{
    [Fact]
    public async Task Commands_and_queries_through_the_Api_are_answered_by_competing_worker_processes()
    {
        await using var deployment = await SplitDeployment.Create("split");
        var debug = new Dictionary<string, string>
        {
            ["Serilog__MinimumLevel__Override__Workers"] = "Debug",
            // MassTransit's information lines say when a worker's bus has started.
            ["Serilog__MinimumLevel__Override__MassTransit"] = "Information",
        };
        var workers = new[] { deployment.StartWorker(debug), deployment.StartWorker(debug) };
        await deployment.StartApi();
        // Ready means one worker answers; both must be consuming before the burst, or one may take all of it.
        await Task.WhenAll(workers.Select(w => w.WaitForOutput("Bus started", TimeSpan.FromSeconds(120))));

        var uuids = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToList();
        var created = await Task.WhenAll(uuids.Select((uuid, i) => deployment.CreateProvider($"split-{i}", uuid)));
        Assert.All(created, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        var list = await deployment.Client!.GetFromJsonAsync<JsonElement>("/placement/resource_providers");
        var listed = list.GetProperty("resource_providers").EnumerateArray().Select(p => p.GetProperty("uuid").GetGuid()).ToHashSet();
        Assert.True(uuids.ToHashSet().SetEquals(listed), deployment.Logs);

        // Both workers took part, and each command was applied once (one inbox record per command).
        Assert.All(workers, w => Assert.Contains("Handling CreateResourceProvider", w.Output));
        await using var connection = new NpgsqlConnection(deployment.Database);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM inbox WHERE message_type = 'CreateResourceProvider'", connection);
        Assert.Equal(20L, (long)(await count.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_request_id_appears_in_the_Api_log_and_in_the_log_of_the_worker_that_handled_it()
    {
        await using var deployment = await SplitDeployment.Create("logs");
        var worker = deployment.StartWorker(new() { ["Serilog__MinimumLevel__Override__Workers"] = "Debug" });
        var api = await deployment.StartApi();

        var response = await deployment.CreateProvider("logged", Guid.NewGuid());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var id = response.Headers.GetValues("X-Request-Id").Single();
        Assert.Equal(id, response.Headers.GetValues("X-Openstack-Request-Id").Single());
        await worker.WaitForOutput(id, TimeSpan.FromSeconds(10));
    }
}
