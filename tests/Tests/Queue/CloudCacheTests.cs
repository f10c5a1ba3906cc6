using Workers.Placement;
using Workers.Queue;
using Workers.Queue.Admission;
using static Workers.Queue.CloudCache;

namespace Tests.Queue;

public sealed class CloudCacheTests
{
    static readonly Dictionary<int, string> Classes = new() { [0] = "VCPU", [1] = "MEMORY_MB" };
    static readonly Guid Aggregate = Guid.NewGuid();

    static AllocationPlanner.Inventory Inventory(int total) => new(total, 0, 1, total, 1, 1.0);

    static ProviderRow Row(long id, long version, string? name = null, long? parent = null) =>
        new(id, new Guid(id.ToString("D32")), name ?? $"host-{id}", parent, version);

    /// <summary>A read of providers 1 and 2 with everything about both.</summary>
    static Read Full(long version1 = 1, long version2 = 1, int used1 = 2) => new(
        [Row(1, version1), Row(2, version2)], Classes,
        [(1, 0, Inventory(8)), (1, 1, Inventory(1024)), (2, 0, Inventory(16))],
        [(1, 0, used1)],
        [(2, "HW_CPU_X86_AVX2")],
        [(1, Aggregate)]);

    static ProviderSnapshot Of(CloudState cloud, long id) => cloud.Providers.Single(p => p.Uuid == new Guid(id.ToString("D32")));

    [Fact]
    public void A_first_read_gives_every_provider_with_its_details()
    {
        var cache = new CloudCache();
        var basis = cache.Take(fresh: false);
        Assert.Empty(basis.Ids);

        var cloud = cache.Apply(basis, Full());

        Assert.Equal(2, cloud.Providers.Count);
        Assert.Equal(8, Of(cloud, 1).Inventories["VCPU"].Total);
        Assert.Equal(2, Of(cloud, 1).Usages["VCPU"]);
        Assert.Equal([Aggregate], Of(cloud, 1).Aggregates);
        Assert.Equal(["HW_CPU_X86_AVX2"], Of(cloud, 2).Traits);
        Assert.Empty(Of(cloud, 2).Usages);
    }

    [Fact]
    public void The_next_read_may_skip_what_the_cache_holds_and_gets_the_same_providers_back()
    {
        var cache = new CloudCache();
        var first = cache.Apply(cache.Take(fresh: false), Full());
        var basis = cache.Take(fresh: false);
        Assert.Equal([1L, 1L], basis.Versions);

        // The database answered no details: nothing changed.
        var cloud = cache.Apply(basis, new Read([Row(1, 1), Row(2, 1)], Classes, [], [], [], []));

        Assert.Same(Of(first, 1), Of(cloud, 1));
        Assert.Same(Of(first, 2), Of(cloud, 2));
        Assert.Equal(2, Of(cloud, 1).Usages["VCPU"]);
    }

    [Fact]
    public void A_provider_whose_version_moved_gets_its_details_replaced_and_an_empty_answer_means_none()
    {
        var cache = new CloudCache();
        cache.Apply(cache.Take(fresh: false), Full());

        // Provider 1's allocations were all deleted: its version moved and no usage row came back for it.
        var cloud = cache.Apply(cache.Take(fresh: false), new Read([Row(1, 2), Row(2, 1)], Classes,
            [(1, 0, Inventory(8)), (1, 1, Inventory(1024))], [], [], [(1, Aggregate)]));

        Assert.Empty(Of(cloud, 1).Usages);
        Assert.Equal(8, Of(cloud, 1).Inventories["VCPU"].Total);
        Assert.Equal(["HW_CPU_X86_AVX2"], Of(cloud, 2).Traits);
        Assert.Equal([2L, 1L], cache.Take(fresh: false).Versions);
    }

    [Fact]
    public void Details_of_a_provider_whose_row_showed_no_change_are_left_for_the_next_read()
    {
        var cache = new CloudCache();
        cache.Apply(cache.Take(fresh: false), Full());

        // Provider 2 changed after its row was read (the row still says version 1), before its usages were: ignored now,
        // and since its version is still cached as 1, the next read (seeing 2) reads it again.
        var cloud = cache.Apply(cache.Take(fresh: false), new Read([Row(1, 1), Row(2, 1)], Classes, [], [(2, 0, 16)], [], []));

        Assert.Empty(Of(cloud, 2).Usages);
        Assert.Equal([1L, 1L], cache.Take(fresh: false).Versions);
    }

    [Fact]
    public void New_providers_are_added_gone_ones_dropped_and_names_and_parents_follow_the_rows()
    {
        var cache = new CloudCache();
        cache.Apply(cache.Take(fresh: false), Full());

        var cloud = cache.Apply(cache.Take(fresh: false), new Read([Row(2, 1, name: "renamed", parent: 3), Row(3, 1)], Classes,
            [(3, 0, Inventory(4))], [], [], []));

        Assert.Equal(2, cloud.Providers.Count);
        Assert.Equal("renamed", Of(cloud, 2).Name);
        Assert.Equal(new Guid(3L.ToString("D32")), Of(cloud, 2).ParentUuid);
        Assert.Equal(["HW_CPU_X86_AVX2"], Of(cloud, 2).Traits);
        Assert.Equal(4, Of(cloud, 3).Inventories["VCPU"].Total);
        Assert.Equal([2L, 3L], cache.Take(fresh: false).Ids.Order());
    }

    [Fact]
    public void A_renamed_resource_class_renames_it_in_providers_read_before()
    {
        var cache = new CloudCache();
        cache.Apply(cache.Take(fresh: false), Full());

        var cloud = cache.Apply(cache.Take(fresh: false), new Read([Row(1, 1), Row(2, 1)],
            new Dictionary<int, string> { [0] = "VCPU", [1] = "CUSTOM_MEMORY" }, [], [], [], []));

        Assert.Equal(1024, Of(cloud, 1).Inventories["CUSTOM_MEMORY"].Total);
        Assert.False(Of(cloud, 1).Inventories.ContainsKey("MEMORY_MB"));
    }

    [Fact]
    public void A_fresh_or_cleared_basis_asks_for_everything()
    {
        var cache = new CloudCache();
        cache.Apply(cache.Take(fresh: false), Full());

        Assert.Empty(cache.Take(fresh: true).Ids);
        Assert.Equal(2, cache.Take(fresh: false).Ids.Length);
        cache.Clear();
        Assert.Empty(cache.Take(fresh: false).Ids);
    }
}
