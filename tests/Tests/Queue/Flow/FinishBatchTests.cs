using Contracts.Queue;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Tests.Callbacks;
using static Tests.Queue.QueueClient;

namespace Tests.Queue.Flow;

/// <summary>
/// Finishes gathered into one <see cref="FinishJobsBatch"/>, as the Api sends them: each applied or refused on its
/// own, the capacity given back admitting the next job at once, and a redelivered batch answered from the inbox.
/// </summary>
public sealed class FinishBatchTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Finishes_in_one_batch_are_each_applied_or_refused_and_a_redelivered_batch_changes_nothing(bool onPostgres)
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(onPostgres);
        await service.Admin.Host("host-a", Inventory(2));
        foreach (var job in new[] { "a", "b", "c" })
            await service.Member.Create("vm", job, receiver.Url($"/jobs/{job}").ToString(), JobData(Instance(1, 64, 1)));
        await service.Member.WaitForStatus("vm", "a", "running");
        await service.Member.WaitForStatus("vm", "b", "running");
        await service.Member.WaitForReason("vm", "c");

        static FinishJobsBatch.Item Finish(string job, string owner = "p1") =>
            new(Guid.NewGuid(), null, new ChangeJob("vm", job, owner, null, null, null, null, "done"));
        List<FinishJobsBatch.Item> items =
        [
            Finish("a"),
            Finish("a"),            // done by the finish before it: answered as finished
            Finish("c"),            // queued: refused
            Finish("nope"),         // no such job
            Finish("b", owner: "p2"), // another project's caller does not see it
        ];
        var client = service.Services.GetRequiredService<IClientFactory>().CreateRequestClient<FinishJobsBatch>();
        var first = (await client.GetResponse<FinishJobsBatchResult>(new FinishJobsBatch(items))).Message;

        Assert.Equal(items.Select(i => i.CommandId), first.Items.Select(i => i.CommandId));
        var problems = first.Items.Select(i => i.Result.Problem).ToList();
        Assert.Null(problems[0]);
        Assert.Null(problems[1]);
        Assert.Equal((409, "invalid_transition"), (problems[2]!.Status, problems[2]!.Code));
        Assert.Equal(404, problems[3]!.Status);
        Assert.Equal(404, problems[4]!.Status);
        Assert.Equal("done", (await service.Member.Job("vm", "a")).GetProperty("Status").GetString());
        Assert.Equal("running", (await service.Member.Job("vm", "b")).GetProperty("Status").GetString());
        // a's VCPU came back, and the queued job took it without waiting for the sweep (an hour away here).
        await service.Member.WaitForStatus("vm", "c", "running");

        var again = (await client.GetResponse<FinishJobsBatchResult>(new FinishJobsBatch(items))).Message;
        Assert.Equal(first.Items, again.Items);
        Assert.Equal("running", (await service.Member.Job("vm", "b")).GetProperty("Status").GetString());
        Assert.Equal("running", (await service.Member.Job("vm", "c")).GetProperty("Status").GetString());
    }

    /// <summary>An Api older than <see cref="FinishJobsBatch"/> sends each finish as a <see cref="ChangeJob"/>: while a
    /// deployment is upgraded, workers go first, and must still finish jobs that way.</summary>
    [Fact]
    public async Task A_finish_sent_alone_as_a_ChangeJob_releases_the_job_and_admits_the_next()
    {
        await using var receiver = await CallbackReceiver.Answering(200);
        await using var service = await FlowService.Start(onPostgres: true);
        await service.Admin.Host("host-a", Inventory(1));
        foreach (var job in new[] { "a", "b" })
            await service.Member.Create("vm", job, receiver.Url($"/jobs/{job}").ToString(), JobData(Instance(1, 64, 1)));
        await service.Member.WaitForStatus("vm", "a", "running");
        await service.Member.WaitForReason("vm", "b");

        var client = service.Services.GetRequiredService<IClientFactory>().CreateRequestClient<ChangeJob>();
        var finish = new ChangeJob("vm", "a", "p1", null, null, null, null, "done");
        Assert.Null((await client.GetResponse<JobChangeResult>(finish)).Message.Problem);
        Assert.Equal("done", (await service.Member.Job("vm", "a")).GetProperty("Status").GetString());
        await service.Member.WaitForStatus("vm", "b", "running");

        var unknown = (await client.GetResponse<JobChangeResult>(finish with { RequestId = "nope" })).Message.Problem;
        Assert.Equal(404, unknown!.Status);
    }
}
