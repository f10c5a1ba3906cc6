using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tests.Hosts;
using Workers.Data;

namespace Tests.Workers;

/// <summary>Inventory consumers under concurrent writers, on PostgreSQL (as production runs them).</summary>
public sealed class InventoryConsumerTests
{
    static Inventory Of(string resourceClass, int total) => new(resourceClass, total, 0, 1, int.MaxValue, 1, 1.0);

    static async Task<Guid> Provider(WorkerHarness workers, string name)
    {
        var uuid = Guid.NewGuid();
        Assert.NotNull((await workers.Ask<CreateResourceProvider, ResourceProviderResult>(new(uuid, name, null))).Provider);
        return uuid;
    }

    [Fact]
    public async Task Concurrent_replacements_with_one_generation_let_exactly_one_win_and_the_rest_see_a_conflict()
    {
        await using var workers = await WorkerHarness.OnPostgres(await TestServers.CreateDatabase("inv_race"));
        var provider = await Provider(workers, "inv-race");

        var answers = await Task.WhenAll(Enumerable.Range(1, 10).Select(total =>
            workers.Ask<SetInventories, InventoriesResult>(new(provider, 0, [Of("VCPU", total)], true))));

        var winner = Assert.Single(answers, a => a.Problem is null);
        Assert.All(answers.Where(a => a.Problem is not null), a => Assert.Equal(PlacementProblem.ConcurrentUpdate, a.Problem!.Code));
        var now = await workers.Ask<GetInventories, InventoriesResult>(new(provider));
        Assert.Equal(1, now.Generation);
        Assert.Equal(winner.Inventories.Single().Total, now.Inventories.Single().Total);
        Assert.False(await workers.Bus.Published.Any<Fault>());
    }

    [Fact]
    public async Task Concurrent_additions_without_a_generation_all_succeed_one_generation_each()
    {
        await using var workers = await WorkerHarness.OnPostgres(await TestServers.CreateDatabase("inv_add"));
        var provider = await Provider(workers, "inv-add");
        string[] classes = ["VCPU", "MEMORY_MB", "DISK_GB", "PCI_DEVICE", "SRIOV_NET_VF", "IPV4_ADDRESS"];

        var answers = await Task.WhenAll(classes.Select(c =>
            workers.Ask<CreateInventory, InventoriesResult>(new(provider, Of(c, 10), true))));

        // Writers of one provider queue on its row lock: no spurious concurrent_update, distinct generations.
        Assert.All(answers, a => Assert.Null(a.Problem));
        Assert.Equal(Enumerable.Range(1, classes.Length).Select(g => (long)g), answers.Select(a => a.Generation).Order());
        var now = await workers.Ask<GetInventories, InventoriesResult>(new(provider));
        Assert.Equal(classes.Length, now.Generation);
        Assert.Equal(classes.Order(), now.Inventories.Select(i => i.ResourceClass).Order());
    }

    [Fact]
    public async Task A_refused_write_leaves_no_trace_not_even_its_generation_bump()
    {
        await using var workers = await WorkerHarness.OnPostgres(await TestServers.CreateDatabase("inv_refused"));
        var provider = await Provider(workers, "inv-refused");
        await workers.Ask<SetInventories, InventoriesResult>(new(provider, 0, [Of("VCPU", 8)], true));

        // The class is unknown: refused after the provider was locked and its generation bumped.
        var refused = await workers.Ask<CreateInventory, InventoriesResult>(new(provider, Of("CUSTOM_NOT_THERE", 1), true));
        Assert.Equal(400, refused.Problem!.Status);
        var duplicate = await workers.Ask<CreateInventory, InventoriesResult>(new(provider, Of("VCPU", 4), true));
        Assert.Equal(409, duplicate.Problem!.Status);

        var now = await workers.Ask<GetInventories, InventoriesResult>(new(provider));
        Assert.Equal(1, now.Generation);
        Assert.Equal(8, now.Inventories.Single().Total);
    }

    [Fact]
    public async Task A_refused_provider_update_keeps_its_old_parent()
    {
        await using var workers = await WorkerHarness.OnPostgres(await TestServers.CreateDatabase("rp_refused"));
        var (a, b, child) = (await Provider(workers, "root-a"), await Provider(workers, "root-b"), Guid.NewGuid());
        await workers.Ask<CreateResourceProvider, ResourceProviderResult>(new(child, "child", a.ToString()));

        // Re-parenting is applied before the name is checked; the name conflict must undo it.
        var refused = await workers.Ask<UpdateResourceProvider, ResourceProviderResult>(new(child, "root-b", true, b.ToString(), true));
        Assert.Equal("placement.duplicate_name", refused.Problem!.Code);

        var now = await workers.Ask<GetResourceProvider, ResourceProviderResult>(new(child));
        Assert.Equal(a, now.Provider!.ParentUuid);
        Assert.Equal(a, now.Provider.RootUuid);
        Assert.Equal("child", now.Provider.Name);
    }

    [Fact]
    public async Task Inventory_that_allocations_stand_on_cannot_be_removed_and_its_provider_cannot_be_deleted()
    {
        await using var workers = await WorkerHarness.OnPostgres(await TestServers.CreateDatabase("inv_inuse"));
        var provider = await Provider(workers, "inv-inuse");
        await workers.Ask<SetInventories, InventoriesResult>(new(provider, 0, [Of("VCPU", 8), Of("MEMORY_MB", 1024)], true));
        await Allocate(workers, provider, "VCPU", 2);

        var replaced = await workers.Ask<SetInventories, InventoriesResult>(new(provider, 1, [Of("MEMORY_MB", 2048)], true));
        Assert.Equal(409, replaced.Problem!.Status);
        Assert.Equal(PlacementProblem.InventoryInUse, replaced.Problem.Code);
        Assert.Equal($"update conflict: Inventory for 'VCPU' on resource provider '{provider}' in use.", replaced.Problem.Detail);

        var all = await workers.Ask<SetInventories, InventoriesResult>(new(provider, null, [], true));
        Assert.Equal(PlacementProblem.InventoryInUse, all.Problem!.Code);
        var one = await workers.Ask<DeleteInventory, InventoriesResult>(new(provider, "VCPU"));
        Assert.Equal(409, one.Problem!.Status);
        var gone = await workers.Ask<DeleteResourceProvider, ResourceProviderResult>(new(provider));
        Assert.Equal("placement.resource_provider.inuse", gone.Problem!.Code);

        // MEMORY_MB holds nothing: it may go, and the usage of VCPU stays visible.
        Assert.Null((await workers.Ask<DeleteInventory, InventoriesResult>(new(provider, "MEMORY_MB"))).Problem);
        var usages = await workers.Ask<GetProviderUsages, ProviderUsagesResult>(new(provider));
        Assert.Equal(new Dictionary<string, long> { ["VCPU"] = 2 }, usages.Usages);
    }

    /// <summary>Allocations are written by a later feature; here one is put in place directly.</summary>
    static async Task Allocate(WorkerHarness workers, Guid provider, string resourceClass, int used)
    {
        await using var scope = workers.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ServiceDb>();
        var project = new ProjectRecord { ExternalId = "p" };
        var user = new UserRecord { ExternalId = "u" };
        db.AddRange(project, user);
        await db.SaveChangesAsync();
        var consumer = new ConsumerRecord { Uuid = Guid.NewGuid(), ProjectId = project.Id, UserId = user.Id, CreatedAt = DateTime.UtcNow };
        db.Add(consumer);
        await db.SaveChangesAsync();
        db.Add(new AllocationRecord
        {
            ConsumerUuid = consumer.Uuid, Used = used, CreatedAt = DateTime.UtcNow,
            ResourceProviderId = await db.ResourceProviders.Where(p => p.Uuid == provider).Select(p => p.Id).SingleAsync(),
            ResourceClassId = await db.ResourceClasses.Where(c => c.Name == resourceClass).Select(c => c.Id).SingleAsync(),
        });
        await db.SaveChangesAsync();
    }
}
