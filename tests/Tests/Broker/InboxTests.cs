using System.Net;
using System.Net.Http.Json;
using Contracts.Operations;
using Contracts.Placement;
using MassTransit;
using Npgsql;
using Tests.Hosts;

namespace Tests.Broker;

/// <summary>
/// The broker delivers at least once; the inbox makes a command's effect happen once. Shown with real worker
/// processes on RabbitMQ and PostgreSQL: a second delivery of the same message, to another worker, and a worker
/// killed after its commit but before its acknowledgement.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class InboxTests
{
    [Fact]
    public async Task The_same_command_delivered_again_to_the_other_worker_process_is_applied_once_and_answered_alike()
    {
        await using var deployment = await SplitDeployment.Create("inbox");
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(new Uri(deployment.RabbitMq)));
        await bus.StartAsync();
        try
        {
            var command = new CreateResourceProvider(Guid.NewGuid(), "delivered-twice", null);
            var messageId = NewId.NextGuid();
            var client = bus.CreateRequestClient<CreateResourceProvider>(RequestTimeout.After(s: 30));

            var first = deployment.StartWorker();
            await WaitForAWorker(bus);
            var firstAnswer = await client.GetResponse<ResourceProviderResult>(command, x => x.UseExecute(c => c.MessageId = messageId));
            await first.Stop();
            Assert.True(first.HasExited);

            var second = deployment.StartWorker();
            await WaitForAWorker(bus);
            var secondAnswer = await client.GetResponse<ResourceProviderResult>(command, x => x.UseExecute(c => c.MessageId = messageId));

            Assert.Null(firstAnswer.Message.Problem);
            Assert.NotNull(firstAnswer.Message.Provider);
            // Applied again, the create would have met its own provider: 409 duplicate. The inbox answered instead.
            Assert.Equal(firstAnswer.Message, secondAnswer.Message with { });
            Assert.Equal(firstAnswer.Message.Provider, secondAnswer.Message.Provider);
            Assert.Contains("was already applied", second.Output);
            Assert.Equal(1L, await Count(deployment, "SELECT count(*) FROM resource_providers WHERE name = 'delivered-twice'"));
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    [Fact]
    public async Task A_worker_killed_between_its_commit_and_its_acknowledgement_does_not_cause_a_second_application()
    {
        await using var deployment = await SplitDeployment.Create("killed");
        var doomed = deployment.StartWorker(new() { ["Workers__Faults__KillAfterCommit"] = nameof(CreateResourceProvider) });
        await deployment.StartApi(new() { ["Api__RequestTimeout"] = "00:01:00" });

        var uuid = Guid.NewGuid();
        var creating = deployment.CreateProvider("survivor", uuid);
        await doomed.WaitForExit(TimeSpan.FromSeconds(30));
        Assert.Equal(1L, await Count(deployment, "SELECT count(*) FROM resource_providers WHERE name = 'survivor'"));

        // The message was never acknowledged, so the broker hands it to the next worker, which finds it applied.
        var rescuer = deployment.StartWorker();
        var response = await creating;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}\n{deployment.Logs}");
        Assert.Equal(uuid, (await response.Content.ReadFromJsonAsync<ProviderBody>())!.Uuid);
        Assert.Contains("Fault injection: killing this worker", doomed.Output);
        Assert.Contains("was already applied", rescuer.Output);
        Assert.Equal(1L, await Count(deployment, "SELECT count(*) FROM resource_providers WHERE name = 'survivor'"));
        Assert.Equal(1L, await Count(deployment, "SELECT count(*) FROM inbox WHERE message_type = 'CreateResourceProvider'"));
    }

    sealed record ProviderBody(Guid Uuid);

    /// <summary>Requests are published; until a worker's queue is bound they would be dropped, so wait for an answer.</summary>
    static async Task WaitForAWorker(IBus bus)
    {
        var client = bus.CreateRequestClient<GetDatabaseHealth>(RequestTimeout.After(s: 2));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                if ((await client.GetResponse<DatabaseHealth>(new GetDatabaseHealth())).Message.Reachable)
                    return;
            }
            catch (RequestTimeoutException) when (DateTime.UtcNow < deadline)
            {
            }
        }
    }

    static async Task<long> Count(SplitDeployment deployment, string sql)
    {
        await using var connection = new NpgsqlConnection(deployment.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
