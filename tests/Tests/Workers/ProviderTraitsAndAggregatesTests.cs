using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tests.Hosts;
using Workers.Data;

namespace Tests.Workers;

/// <summary>Trait and aggregate consumers under concurrent writers, on PostgreSQL (as production runs them).</summary>
public sealed class ProviderTraitsAndAggregatesTests
{
    [Fact]
    public async Task Concurrent_trait_writes_with_one_generation_let_exactly_one_win()
    {
        await using var workers = await WorkerHarness.OnPostgres(await TestServers.CreateDatabase("traits_race"));
        var provider = await Provider(workers, "traits-race");
        await workers.Ask<EnsureTrait, TraitResult>(new("CUSTOM_RED"));
        await workers.Ask<EnsureTrait, TraitResult>(new("CUSTOM_BLUE"));

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => workers.Ask<SetProviderTraits, ProviderTraitsResult>(
            new(provider, 0, [i % 2 == 0 ? "CUSTOM_RED" : "CUSTOM_BLUE", "HW_CPU_X86_AVX"]))));

        var winner = Assert.Single(answers, a => a.Problem is null);
        Assert.Equal(1, winner.Generation);
        Assert.All(answers.Where(a => a.Problem is not null), a =>
        {
            Assert.Equal(409, a.Problem!.Status);
            Assert.Equal(PlacementProblem.ConcurrentUpdate, a.Problem.Code);
        });
        var now = await workers.Ask<GetProviderTraits, ProviderTraitsResult>(new(provider));
        Assert.Equal(1, now.Generation);
        Assert.Equal(winner.Traits.Order(), now.Traits.Order());
        Assert.False(await workers.Bus.Published.Any<Fault>());
    }

    [Fact]
    public async Task The_generation_moves_only_when_the_traits_change()
    {
        await using var workers = await WorkerHarness.OnPostgres(await TestServers.CreateDatabase("traits_gen"));
        var provider = await Provider(workers, "traits-gen");

        Assert.Equal(1, (await workers.Ask<SetProviderTraits, ProviderTraitsResult>(new(provider, 0, ["HW_CPU_X86_AVX"]))).Generation);
        Assert.Equal(1, (await workers.Ask<SetProviderTraits, ProviderTraitsResult>(new(provider, 1, ["HW_CPU_X86_AVX"]))).Generation);
        Assert.Equal(2, (await workers.Ask<SetProviderTraits, ProviderTraitsResult>(new(provider, null, []))).Generation);
        Assert.Equal(2, (await workers.Ask<SetProviderTraits, ProviderTraitsResult>(new(provider, null, []))).Generation);
    }

    [Fact]
    public async Task A_trait_deleted_while_a_provider_takes_it_is_either_in_use_or_gone()
    {
        await using var workers = await WorkerHarness.OnPostgres(await TestServers.CreateDatabase("traits_delete"));
        var provider = await Provider(workers, "traits-delete");
        for (var round = 0; round < 10; round++)
        {
            var name = $"CUSTOM_ROUND_{round}";
            await workers.Ask<EnsureTrait, TraitResult>(new(name));
            var generation = (await workers.Ask<GetProviderTraits, ProviderTraitsResult>(new(provider))).Generation;
            var set = workers.Ask<SetProviderTraits, ProviderTraitsResult>(new(provider, generation, [name]));
            var delete = workers.Ask<DeleteTrait, TraitResult>(new(name));
            var (taken, deleted) = (await set, await delete);

            // Exactly one of the two wins; the loser gets Placement's answer for the state the winner left.
            if (taken.Problem is null)
                Assert.Equal(409, deleted.Problem?.Status);
            else
            {
                Assert.Null(deleted.Problem);
                Assert.Equal($"No such trait {name}", taken.Problem.Detail);
            }
        }
        Assert.False(await workers.Bus.Published.Any<Fault>());
    }

    [Fact]
    public async Task Concurrent_aggregate_sets_before_1_19_leave_one_writers_set_and_the_generation_alone()
    {
        await using var workers = await WorkerHarness.OnPostgres(await TestServers.CreateDatabase("aggs_race"));
        var provider = await Provider(workers, "aggs-race");
        var sets = Enumerable.Range(0, 8).Select(_ => new[] { Guid.NewGuid().ToString(), Guid.NewGuid().ToString() }).ToList();

        var answers = await Task.WhenAll(sets.Select(s => workers.Ask<SetProviderAggregates, ProviderAggregatesResult>(new(provider, null, s))));

        Assert.All(answers, a => Assert.Null(a.Problem));
        var now = await workers.Ask<GetProviderAggregates, ProviderAggregatesResult>(new(provider));
        Assert.Contains(sets, s => s.Order().SequenceEqual(now.Aggregates.Order()));
        Assert.Equal(0, now.Generation);
    }

    [Fact]
    public async Task Providers_joining_one_new_aggregate_at_once_all_join_it()
    {
        await using var workers = await WorkerHarness.OnPostgres(await TestServers.CreateDatabase("aggs_shared"));
        var providers = new List<Guid>();
        for (var i = 0; i < 10; i++)
            providers.Add(await Provider(workers, $"aggs-shared-{i}"));
        var aggregate = Guid.NewGuid().ToString();

        var answers = await Task.WhenAll(providers.Select(p =>
            workers.Ask<SetProviderAggregates, ProviderAggregatesResult>(new(p, 0, [aggregate]))));

        Assert.All(answers, a => Assert.Equal(1, a.Generation));
        await using var scope = workers.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ServiceDb>();
        var id = (await db.Aggregates.SingleAsync(a => a.Uuid == aggregate)).Id;
        Assert.Equal(providers.Count, await db.ProviderAggregates.CountAsync(l => l.AggregateId == id));
        Assert.False(await workers.Bus.Published.Any<Fault>());
    }

    static async Task<Guid> Provider(WorkerHarness workers, string name)
    {
        var uuid = Guid.NewGuid();
        Assert.NotNull((await workers.Ask<CreateResourceProvider, ResourceProviderResult>(new(uuid, name, null))).Provider);
        return uuid;
    }
}
