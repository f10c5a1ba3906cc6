using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tests.Hosts;
using Workers.Data;

namespace Tests.Workers;

/// <summary>Resource provider consumers under concurrent writers, on PostgreSQL (as production runs them).</summary>
public sealed class ResourceProviderConsumerTests
{
    [Fact]
    public async Task Concurrent_creates_of_one_name_make_one_provider_and_answer_the_rest_with_duplicate_name()
    {
        await using var workers = await WorkerHarness.OnPostgres(await TestServers.CreateDatabase("rp_dup"));
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            workers.Ask<CreateResourceProvider, ResourceProviderResult>(new(Guid.NewGuid(), "contended", null))));

        Assert.Single(answers, a => a.Provider is not null);
        Assert.All(answers.Where(a => a.Provider is null), a =>
        {
            Assert.Equal(409, a.Problem!.Status);
            Assert.Equal("placement.duplicate_name", a.Problem.Code);
        });
        Assert.False(await workers.Bus.Published.Any<Fault>());
    }

    [Fact]
    public async Task A_child_created_while_its_parent_is_deleted_never_leaves_an_orphan()
    {
        await using var workers = await WorkerHarness.OnPostgres(await TestServers.CreateDatabase("rp_orphan"));
        for (var round = 0; round < 10; round++)
        {
            var parent = Guid.NewGuid();
            Assert.NotNull((await workers.Ask<CreateResourceProvider, ResourceProviderResult>(new(parent, $"parent-{round}", null))).Provider);
            var child = workers.Ask<CreateResourceProvider, ResourceProviderResult>(new(Guid.NewGuid(), $"child-{round}", parent.ToString()));
            var delete = workers.Ask<DeleteResourceProvider, ResourceProviderResult>(new(parent));
            var (created, deleted) = (await child, await delete);

            // Exactly one of the two wins; the loser gets Placement's answer for the state the winner left.
            if (created.Provider is not null)
                Assert.Equal("placement.resource_provider.cannot_delete_parent", deleted.Problem?.Code);
            else
            {
                Assert.Null(deleted.Problem);
                Assert.Contains("parent provider UUID does not exist", created.Problem!.Detail);
            }
        }

        await using var scope = workers.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ServiceDb>();
        var orphans = await db.ResourceProviders.CountAsync(c => c.ParentId != null && !db.ResourceProviders.Any(p => p.Id == c.ParentId));
        Assert.Equal(0, orphans);
        Assert.False(await workers.Bus.Published.Any<Fault>());
    }

    [Fact]
    public async Task Moving_a_subtree_at_1_37_gives_every_descendant_its_new_root()
    {
        await using var workers = await WorkerHarness.OnPostgres(await TestServers.CreateDatabase("rp_move"));
        var (a, b, child, grandchild) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await workers.Ask<CreateResourceProvider, ResourceProviderResult>(new(a, "root-a", null));
        await workers.Ask<CreateResourceProvider, ResourceProviderResult>(new(b, "root-b", null));
        await workers.Ask<CreateResourceProvider, ResourceProviderResult>(new(child, "child", a.ToString()));
        await workers.Ask<CreateResourceProvider, ResourceProviderResult>(new(grandchild, "grandchild", child.ToString()));

        var moved = await workers.Ask<UpdateResourceProvider, ResourceProviderResult>(new(child, "child", true, b.ToString(), AllowReparenting: true));
        Assert.Equal(b, moved.Provider!.RootUuid);
        var after = await workers.Ask<GetResourceProvider, ResourceProviderResult>(new(grandchild));
        Assert.Equal(b, after.Provider!.RootUuid);
        Assert.Equal(child, after.Provider.ParentUuid);

        var tree = await workers.Ask<ListResourceProviders, ResourceProviderList>(new(null, null, b.ToString()));
        Assert.Equal(new[] { b, child, grandchild }.Order(), tree.Providers.Select(p => p.Uuid).Order());
    }
}
