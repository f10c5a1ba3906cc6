using Contracts.Placement;
using Tests.Hosts;

namespace Tests.Workers;

/// <summary>A batch of allocation writes: each checked against what the ones before it did, each answered on its own.</summary>
public sealed class AllocationBatchTests
{
    static SetAllocations Claim(Guid consumer, Guid provider, int vcpu) => new(
        [new(consumer, "p", "u", null, "INSTANCE", [new(provider.ToString(), [new("VCPU", vcpu)])])], true, true, true);

    [Fact]
    public async Task Writes_in_one_batch_see_each_other_and_a_redelivered_batch_changes_nothing()
    {
        await using var workers = await WorkerHarness.OnPostgres(await TestServers.CreateDatabase("alloc_batch"));
        var provider = Guid.NewGuid();
        await workers.Ask<CreateResourceProvider, ResourceProviderResult>(new(provider, "batch-host", null));
        await workers.Ask<SetInventories, InventoriesResult>(new(provider, 0, [new Inventory("VCPU", 3, 0, 1, int.MaxValue, 1, 1.0)], true));

        var twice = Guid.NewGuid();
        var items = new List<SetAllocationsBatch.Item>
        {
            new(Guid.NewGuid(), null, Claim(Guid.NewGuid(), provider, 2)),
            new(Guid.NewGuid(), null, Claim(Guid.NewGuid(), provider, 2)), // does not fit after the first
            new(Guid.NewGuid(), null, Claim(twice, provider, 1)),
            new(Guid.NewGuid(), null, Claim(twice, provider, 1)),          // the consumer exists now: null is stale
            new(Guid.NewGuid(), null, Claim(Guid.NewGuid(), Guid.NewGuid(), 1)),
        };
        var first = await workers.Ask<SetAllocationsBatch, SetAllocationsBatchResult>(new(items));
        var problems = first.Items.Select(i => i.Result.Problem).ToList();
        Assert.Equal(items.Select(i => i.CommandId), first.Items.Select(i => i.CommandId));
        Assert.Null(problems[0]);
        Assert.Contains("would exceed the capacity", problems[1]!.Detail);
        Assert.Null(problems[2]);
        Assert.Equal("consumer generation conflict - expected 1 but got None", problems[3]!.Detail);
        Assert.Equal(400, problems[4]!.Status);

        var again = await workers.Ask<SetAllocationsBatch, SetAllocationsBatchResult>(new(items));
        Assert.Equal(first.Items.Select(i => i.Result), again.Items.Select(i => i.Result));
        var usage = await workers.Ask<GetProviderUsages, ProviderUsagesResult>(new(provider));
        Assert.Equal(3, usage.Usages["VCPU"]);
        // One move for the inventory, one per accepted write (as if they had come one by one); the redelivery adds none.
        Assert.Equal(3, (await workers.Ask<GetInventories, InventoriesResult>(new(provider))).Generation);
    }
}
