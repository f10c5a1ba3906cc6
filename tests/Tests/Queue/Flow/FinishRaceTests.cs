using System.Net;
using Contracts.Queue;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Tests.Callbacks;
using static Tests.Queue.QueueClient;

namespace Tests.Queue.Flow;

/// <summary>
/// A job's finish on PostgreSQL, where the job's read, its instances' lock, the release and the move to done are one
/// batch: racing its delete, and refused (a queued job, another owner's job) without changing anything.
/// </summary>
public sealed class FinishRaceTests
{
    [Fact]
    public async Task A_finish_that_waited_behind_its_jobs_delete_answers_not_found_and_leaves_the_job_deleted()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(onPostgres: true);
        await service.Admin.Host("host-a", Inventory(4));
        await service.Member.Create("vm", "j1", receiver.Url("/jobs/j1").ToString(), JobData(Instance(1, 64, 1)));
        await service.Member.WaitForStatus("vm", "j1", "running");

        // Another session deletes the job as DeleteJob does: its instances' consumers locked, released, the job marked
        // deleted. It holds the locks until the finish, which read the job as running, waits on them.
        await using var other = new NpgsqlConnection(service.Database);
        await other.OpenAsync();
        await using var delete = await other.BeginTransactionAsync();
        const string Servers = "SELECT i.server_uuid FROM job_instances i JOIN jobs j ON j.id = i.job_id WHERE j.request_id = 'j1'";
        await Execute(other, $"SELECT uuid FROM consumers WHERE uuid IN ({Servers}) FOR NO KEY UPDATE");
        var finish = service.Member.Change("vm", "j1", new { status = "done" });
        await Eventually(async () => await Execute(other, "SELECT 1 FROM pg_locks WHERE NOT granted") > 0,
            () => "the finish never waited on the instances' locks");
        await Execute(other, $"DELETE FROM allocations WHERE consumer_uuid IN ({Servers})");
        await Execute(other, $"DELETE FROM consumers WHERE uuid IN ({Servers})");
        await Execute(other, "UPDATE jobs SET status = 'deleted', deleted_at = now(), updated_at = now(), expires_at = NULL WHERE request_id = 'j1'");
        await delete.CommitAsync();

        var answer = await finish;
        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await service.Member.Get("vm", "j1")).Status);
        await using var count = new NpgsqlCommand("SELECT status FROM jobs WHERE request_id = 'j1'", other);
        Assert.Equal("deleted", await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_finish_of_a_queued_job_or_of_another_owners_job_changes_nothing()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(onPostgres: true);
        var host = await service.Admin.Host("host-a", Inventory(1));
        await service.Member.Create("vm", "held", receiver.Url("/jobs/held").ToString(), JobData(Instance(1, 64, 1)));
        var held = await service.Member.WaitForStatus("vm", "held", "running");
        await service.Member.Create("vm", "waiting", receiver.Url("/jobs/waiting").ToString(), JobData(Instance(1, 64, 1)));
        await service.Member.WaitForReason("vm", "waiting");

        var queued = await service.Member.Change("vm", "waiting", new { status = "done" });
        Assert.Equal(HttpStatusCode.Conflict, queued.Status);
        Assert.Equal("invalid_transition", queued.Code);
        Assert.Equal("queued", (await service.Member.Job("vm", "waiting")).GetProperty("Status").GetString());

        var stranger = await service.Admin.As("bob:p2").Change("vm", "held", new { status = "done" });
        Assert.Equal(HttpStatusCode.NotFound, stranger.Status);
        Assert.Equal("running", (await service.Member.Job("vm", "held")).GetProperty("Status").GetString());
        Assert.True((await service.Admin.Allocations(Server(held))).GetProperty("allocations").TryGetProperty(host.ToString(), out _));
        Assert.Equal("queued", (await service.Member.Job("vm", "waiting")).GetProperty("Status").GetString());
    }

    [Fact]
    public async Task A_batch_of_finishes_locks_its_providers_in_id_order_before_any_finish_runs()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(onPostgres: true);
        var first = await service.Admin.Host("host-a", Inventory(1)); // the lower id
        var second = await service.Admin.Host("host-b", Inventory(1));
        foreach (var job in new[] { "x", "y" })
            await service.Member.Create("vm", job, receiver.Url($"/jobs/{job}").ToString(), JobData(Instance(1, 64, 1)));
        var x = await service.Member.WaitForStatus("vm", "x", "running");
        await service.Member.WaitForStatus("vm", "y", "running");
        var onSecond = x.GetProperty("Instances")[0].GetProperty("Host").GetString() == "host-b" ? "x" : "y";
        var onFirst = onSecond == "x" ? "y" : "x";

        // Another session holds the first host's lock; the batch names the job on the second host first.
        await using var holder = new NpgsqlConnection(service.Database);
        await holder.OpenAsync();
        await using var held = await holder.BeginTransactionAsync();
        await Execute(holder, $"SELECT 1 FROM resource_providers WHERE uuid = '{first}' FOR NO KEY UPDATE");
        static FinishJobsBatch.Item Finish(string job) => new(Guid.NewGuid(), null, new ChangeJob("vm", job, "p1", null, null, null, null, "done"));
        var client = service.Services.GetRequiredService<IClientFactory>().CreateRequestClient<FinishJobsBatch>();
        var finishing = client.GetResponse<FinishJobsBatchResult>(new FinishJobsBatch([Finish(onSecond), Finish(onFirst)]));
        await Eventually(async () => await Execute(holder, "SELECT 1 FROM pg_locks WHERE NOT granted") > 0,
            () => "the batch never waited on the first host's lock");

        // While it waits for the first host it holds nothing of the second: finish by finish, it would, and a writer
        // locking both in id order could then wait on it while it waits on that writer.
        await using var probe = new NpgsqlConnection(service.Database);
        await probe.OpenAsync();
        await using (await probe.BeginTransactionAsync())
            Assert.Equal(1, await Execute(probe, $"SELECT 1 FROM resource_providers WHERE uuid = '{second}' FOR NO KEY UPDATE NOWAIT"));
        await held.CommitAsync();

        var answers = (await finishing).Message.Items;
        Assert.All(answers, a => Assert.Null(a.Result.Problem));
        Assert.Equal("done", (await service.Member.Job("vm", "x")).GetProperty("Status").GetString());
        Assert.Equal("done", (await service.Member.Job("vm", "y")).GetProperty("Status").GetString());
    }

    /// <returns>The rows the statement returned or changed.</returns>
    static async Task<int> Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = 0;
        while (await reader.ReadAsync())
            rows++;
        return Math.Max(rows, reader.RecordsAffected);
    }
}
