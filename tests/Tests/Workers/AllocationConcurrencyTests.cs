using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tests.Hosts;
using Workers.Data;

namespace Tests.Workers;

/// <summary>
/// Claims, consumers moving between providers and reshapes all at once, on PostgreSQL: afterwards nothing is over
/// capacity, every allocation stands on inventory, and every write was all or nothing.
/// </summary>
public sealed class AllocationConcurrencyTests
{
    static Inventory Of(string resourceClass, int total) => new(resourceClass, total, 0, 1, int.MaxValue, 1, 1.0);

    static ConsumerAllocations Holding(Guid consumer, long? generation, params (Guid Provider, string Class, int Amount)[] held) =>
        new(consumer, "p", "u", generation, "INSTANCE",
            held.GroupBy(h => h.Provider).Select(g => new ProviderAllocation(g.Key.ToString(),
                g.Select(h => new ResourceAmount(h.Class, h.Amount)).ToList())).ToList());

    [Fact]
    public async Task Claims_moves_and_reshapes_running_together_leave_every_invariant_intact()
    {
        await using var workers = await WorkerHarness.OnPostgres(await TestServers.CreateDatabase("alloc_mix"));
        async Task<Guid> Provider(string name, string? parent = null)
        {
            var uuid = Guid.NewGuid();
            Assert.NotNull((await workers.Ask<CreateResourceProvider, ResourceProviderResult>(new(uuid, name, parent))).Provider);
            return uuid;
        }
        var (a, b, root) = (await Provider("host-a"), await Provider("host-b"), await Provider("gpu-root"));
        var child = await Provider("gpu-child", root.ToString());
        await workers.Ask<SetInventories, InventoriesResult>(new(a, 0, [Of("VCPU", 20)], true));
        await workers.Ask<SetInventories, InventoriesResult>(new(b, 0, [Of("VCPU", 20)], true));
        await workers.Ask<SetInventories, InventoriesResult>(new(root, 0, [Of("VCPU", 8), Of("VGPU", 4)], true));

        // Movers: consumers on A that hop to B and back, each with its own generation.
        var movers = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToList();
        foreach (var mover in movers)
            Assert.Null((await workers.Allocate(new([Holding(mover, null, (a, "VCPU", 1))], true, true, true))).Problem);
        // GPU users: allocations the reshapes carry between the root and its child.
        var gpuUsers = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid()).ToList();
        foreach (var user in gpuUsers)
            Assert.Null((await workers.Allocate(new([Holding(user, null, (root, "VGPU", 1))], true, true, true))).Problem);

        var claims = Task.WhenAll(Enumerable.Range(0, 60).Select(i => workers.Allocate(
            new([Holding(Guid.NewGuid(), null, (i % 2 == 0 ? a : b, "VCPU", 1))], true, true, true))));
        var moves = Task.WhenAll(movers.Select(async mover =>
        {
            var generation = 1L;
            for (var hop = 0; hop < 4; hop++)
            {
                var to = hop % 2 == 0 ? b : a;
                var answer = await workers.Allocate(new([Holding(mover, generation, (to, "VCPU", 1))], true, true, true));
                if (answer.Problem is null)
                    generation++;
                else
                    Assert.Contains("exceed the capacity", answer.Problem.Detail); // the other host may be full by now
            }
        }));
        var reshapes = Task.Run(async () =>
        {
            var onChild = false;
            for (var round = 0; round < 4; round++)
            {
                var (from, to) = onChild ? (child, root) : (root, child);
                var generations = new Dictionary<Guid, long>();
                foreach (var p in new[] { root, child })
                    generations[p] = (await workers.Ask<GetInventories, InventoriesResult>(new(p))).Generation;
                var consumers = new List<ConsumerAllocations>();
                foreach (var user in gpuUsers)
                {
                    var view = await workers.Ask<GetConsumerAllocations, ConsumerAllocationsView>(new(user));
                    consumers.Add(Holding(user, view.ConsumerGeneration, (to, "VGPU", 1)));
                }
                var rootKeepsVcpu = Of("VCPU", 8);
                var reshape = new Reshape(
                    [
                        new(root.ToString(), generations[root], to == root ? [rootKeepsVcpu, Of("VGPU", 4)] : [rootKeepsVcpu]),
                        new(child.ToString(), generations[child], to == child ? [Of("VGPU", 4)] : []),
                    ],
                    consumers, true, true);
                var answer = await workers.Ask<Reshape, AllocationsResult>(reshape);
                Assert.True(answer.Problem is null || answer.Problem.Code == PlacementProblem.ConcurrentUpdate, answer.Problem?.Detail);
                if (answer.Problem is null)
                    onChild = !onChild;
            }
        });
        await Task.WhenAll(claims, moves, reshapes);
        Assert.False(await workers.Bus.Published.Any<Fault>());

        await using var scope = workers.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ServiceDb>();
        var usage = await (from alloc in db.Allocations
                           group alloc by new { alloc.ResourceProviderId, alloc.ResourceClassId } into g
                           select new { g.Key.ResourceProviderId, g.Key.ResourceClassId, Used = g.Sum(x => x.Used) }).ToListAsync();
        var inventories = await db.Inventories.ToListAsync();
        foreach (var used in usage)
        {
            var inventory = inventories.SingleOrDefault(i => i.ResourceProviderId == used.ResourceProviderId && i.ResourceClassId == used.ResourceClassId);
            Assert.NotNull(inventory); // no allocation without the inventory it stands on
            Assert.True(used.Used <= inventory.Capacity, $"provider {used.ResourceProviderId} class {used.ResourceClassId}: {used.Used} > {inventory.Capacity}");
        }
        // Every claim either holds its one VCPU or nothing, as its answer said. A claim is refused only while its
        // host is full, so a free VCPU at the end can only be one a mover left after its host's claims were all
        // answered: 35 claims fit, and at most one slot per mover may stay free.
        var answers = await claims;
        var hosts = await db.ResourceProviders.Where(p => p.Uuid == a || p.Uuid == b).Select(p => p.Id).ToListAsync();
        var claimed = await db.Allocations.CountAsync(x => hosts.Contains(x.ResourceProviderId) && !movers.Contains(x.ConsumerUuid));
        Assert.Equal(answers.Count(c => c.Problem is null), claimed);
        Assert.InRange(claimed, 40 - 2 * movers.Count, 40 - movers.Count);
        Assert.All(answers.Where(c => c.Problem is not null), c => Assert.Contains("exceed the capacity", c.Problem!.Detail));
        // The GPU users each hold exactly one VGPU, together.
        var gpu = await db.ResourceClasses.SingleAsync(c => c.Name == "VGPU");
        Assert.Equal(gpuUsers.Count, await db.Allocations.CountAsync(x => x.ResourceClassId == gpu.Id));
        Assert.Single(await db.Allocations.Where(x => x.ResourceClassId == gpu.Id).Select(x => x.ResourceProviderId).Distinct().ToListAsync());
    }

    [Fact]
    public async Task Deletes_racing_writes_leave_no_allocation_without_its_provider_or_its_consumer()
    {
        // Allocations have no foreign keys (as in Placement): the locks alone must keep these lines.
        await using var workers = await WorkerHarness.OnPostgres(await TestServers.CreateDatabase("alloc_deletes"));
        var host = Guid.NewGuid();
        Assert.NotNull((await workers.Ask<CreateResourceProvider, ResourceProviderResult>(new(host, "host", null))).Provider);
        await workers.Ask<SetInventories, InventoriesResult>(new(host, 0, [Of("VCPU", 1000)], true));

        var rounds = await Task.WhenAll(Enumerable.Range(0, 30).Select(async i =>
        {
            // A provider deleted while a new consumer claims on it.
            var doomed = Guid.NewGuid();
            Assert.NotNull((await workers.Ask<CreateResourceProvider, ResourceProviderResult>(new(doomed, $"doomed-{i}", null))).Provider);
            await workers.Ask<SetInventories, InventoriesResult>(new(doomed, 0, [Of("VCPU", 10)], true));
            // A consumer whose allocations are deleted while it moves to more.
            var mover = Guid.NewGuid();
            Assert.Null((await workers.Allocate(new([Holding(mover, null, (host, "VCPU", 1))], true, true, true))).Problem);

            var claim = workers.Allocate(new([Holding(Guid.NewGuid(), null, (doomed, "VCPU", 1))], true, true, true));
            var delete = workers.Ask<DeleteResourceProvider, ResourceProviderResult>(new(doomed));
            var grow = workers.Allocate(new([Holding(mover, 1, (host, "VCPU", 2))], true, true, true));
            var release = workers.Ask<DeleteAllocations, AllocationsResult>(new(mover));
            await Task.WhenAll(claim, delete, grow, release);
            return (Claim: claim.Result, Delete: delete.Result, Grow: grow.Result, Release: release.Result);
        }));
        Assert.False(await workers.Bus.Published.Any<Fault>());

        await using var scope = workers.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ServiceDb>();
        var orphans = await db.Allocations.CountAsync(a => !db.ResourceProviders.Any(p => p.Id == a.ResourceProviderId));
        Assert.Equal(0, orphans);
        var homeless = await db.Allocations.CountAsync(a => !db.Consumers.Any(c => c.Uuid == a.ConsumerUuid));
        Assert.Equal(0, homeless);
        // Each race went one way or the other, and the answers say which.
        foreach (var round in rounds)
        {
            Assert.True(round.Claim.Problem is null || round.Delete.Problem is null, "a claim and a delete cannot both be refused");
            if (round.Claim.Problem is null)
                Assert.Equal("placement.resource_provider.inuse", round.Delete.Problem?.Code);
        }
    }
}
