using Workers.Queue.Admission;
using static Tests.Queue.Admission.AdmissionData;

namespace Tests.Queue.Admission;

/// <summary>Where an admitted instance goes: which hosts qualify, and which of them spread and pack take.</summary>
public sealed class HostChoiceTests
{
    static Dictionary<string, QueuePolicy> Spread => new() { ["batch"] = Strict(HostSelection.Spread) };
    static Dictionary<string, QueuePolicy> Pack => new() { ["batch"] = Strict(HostSelection.Pack) };

    /// <summary>Three hosts of 8 VCPU with 2, 6 and 4 in use.</summary>
    static ProviderSnapshot[] Loaded() =>
    [
        Host("a", ("VCPU", 8)).Using(("VCPU", 2)),
        Host("b", ("VCPU", 8)).Using(("VCPU", 6)),
        Host("c", ("VCPU", 8)).Using(("VCPU", 4)),
    ];

    [Fact]
    public void Spread_picks_the_least_loaded_host()
    {
        Assert.Equal(["a"], Plan(Loaded(), [Job(1, "batch", Vcpu(1))], Spread).HostsOf(1));
    }

    [Fact]
    public void Pack_picks_the_most_loaded_host_that_fits()
    {
        Assert.Equal(["b"], Plan(Loaded(), [Job(1, "batch", Vcpu(1))], Pack).HostsOf(1));
        Assert.Equal(["c"], Plan(Loaded(), [Job(1, "batch", Vcpu(3))], Pack).HostsOf(1));
    }

    [Fact]
    public void Load_is_the_fraction_in_use_not_the_amount_free()
    {
        // big has more VCPU free (32 against 8) but is half full; small is empty.
        var hosts = new[] { Host("big", ("VCPU", 64)).Using(("VCPU", 32)), Host("small", ("VCPU", 8)) };

        Assert.Equal(["small"], Plan(hosts, [Job(1, "batch", Vcpu(4))], Spread).HostsOf(1));
        Assert.Equal(["big"], Plan(hosts, [Job(1, "batch", Vcpu(4))], Pack).HostsOf(1));
    }

    [Fact]
    public void A_host_is_as_loaded_as_its_fullest_requested_class()
    {
        var hosts = new[]
        {
            // a: VCPU 25% used, memory 75% used; b: both 50% used.
            Host("a", ("VCPU", 8), ("MEMORY_MB", 8192)).Using(("VCPU", 2), ("MEMORY_MB", 6144)),
            Host("b", ("VCPU", 8), ("MEMORY_MB", 8192)).Using(("VCPU", 4), ("MEMORY_MB", 4096)),
        };
        var both = Request(("VCPU", 1), ("MEMORY_MB", 512));

        Assert.Equal(["b"], Plan(hosts, [Job(1, "batch", both)], Spread).HostsOf(1));
        Assert.Equal(["a"], Plan(hosts, [Job(1, "batch", both)], Pack).HostsOf(1));
        // Asked for VCPU only, memory does not count: a is the less loaded.
        Assert.Equal(["a"], Plan(hosts, [Job(1, "batch", Vcpu(1))], Spread).HostsOf(1));
    }

    [Fact]
    public void Equally_loaded_hosts_are_taken_by_name_then_uuid_whatever_order_they_were_read_in()
    {
        var low = new Guid("00000000-0000-0000-0000-000000000001");
        var high = new Guid("ffffffff-0000-0000-0000-000000000000");
        ProviderSnapshot[] hosts = [Host("b", ("VCPU", 8)), Host("a", high, ("VCPU", 8)), Host("a", low, ("VCPU", 8))];

        foreach (var policies in new[] { Spread, Pack })
        {
            foreach (var order in new[] { hosts, hosts.Reverse().ToArray() })
            {
                var candidate = Assert.Single(Assert.Single(Plan(order, [Job(1, "batch", Vcpu(1))], policies).Admitted).Instances);
                Assert.Equal(("a", low), (candidate.HostName, candidate.HostUuid));
            }
        }
    }

    [Theory]
    [InlineData(HostSelection.Spread)]
    [InlineData(HostSelection.Pack)]
    public void Among_many_equally_good_hosts_the_first_by_name_is_taken(HostSelection selection)
    {
        // Nine hosts; the best ones (h1, h4, h6) are as good as each other and the rest are all worse.
        var best = new HashSet<int> { 1, 4, 6 };
        var loaded = selection == HostSelection.Spread ? best.ToHashSet() : Enumerable.Range(0, 9).Except(best).ToHashSet();
        var hosts = Enumerable.Range(0, 9).Reverse()
            .Select(i => Host($"h{i}", ("VCPU", 8), ("MEMORY_MB", 1024)).Using(("VCPU", loaded.Contains(i) ? 0 : 4)));

        var plan = Plan(hosts, [Job(1, "batch", Request(("VCPU", 1), ("MEMORY_MB", 64)), Vcpu(2))], new() { ["batch"] = Strict(selection) });

        Assert.Equal(selection == HostSelection.Spread ? ["h1", "h4"] : ["h1", "h1"], plan.HostsOf(1));
    }

    [Fact]
    public void Spread_sees_earlier_claims_of_the_pass_and_pack_fills_one_host_first()
    {
        ProviderSnapshot[] hosts = [Host("a", ("VCPU", 8)), Host("b", ("VCPU", 8))];
        QueuedJob[] jobs = [Job(1, "batch", Vcpu(2)), Job(2, "batch", Vcpu(2)), Job(3, "batch", Vcpu(2), Vcpu(2))];

        var spread = Plan(hosts, jobs, Spread);
        Assert.Equal(["a", "b", "a", "b"], spread.Admitted.SelectMany(a => a.Instances).Select(i => i.HostName));

        var pack = Plan(hosts, jobs, Pack);
        Assert.Equal(["a", "a", "a", "a"], pack.Admitted.SelectMany(a => a.Instances).Select(i => i.HostName));
    }

    [Fact]
    public void Required_traits_must_all_be_on_the_host_and_forbidden_ones_must_not_be()
    {
        ProviderSnapshot[] hosts =
        [
            Host("a", ("VCPU", 8)).WithTraits("HW_CPU_X86_AVX2"),
            Host("b", ("VCPU", 8)).WithTraits("HW_CPU_X86_AVX2", "CUSTOM_SSD"),
            Host("c", ("VCPU", 8)).WithTraits("CUSTOM_SSD", "COMPUTE_STATUS_DISABLED"),
        ];

        Assert.Equal(["b"], Plan(hosts, [Job(1, "batch", Vcpu(1).Requiring("CUSTOM_SSD", "HW_CPU_X86_AVX2"))]).HostsOf(1));
        Assert.Equal(["a"], Plan(hosts, [Job(1, "batch", Vcpu(1).Forbidding("CUSTOM_SSD"))]).HostsOf(1));
        Assert.Equal(["b"], Plan(hosts, [Job(1, "batch", Vcpu(1).Requiring("CUSTOM_SSD").Forbidding("COMPUTE_STATUS_DISABLED"))]).HostsOf(1));
    }

    [Fact]
    public void A_trait_filter_is_not_relaxed_when_the_matching_host_is_full()
    {
        ProviderSnapshot[] hosts = [Host("a", ("VCPU", 8)).WithTraits("CUSTOM_SSD").Using(("VCPU", 8)), Host("b", ("VCPU", 8))];

        var plan = Plan(hosts, [Job(1, "batch", Vcpu(1).Requiring("CUSTOM_SSD"))]);

        Assert.Equal("needs VCPU 1 on one host; largest free is 0", plan.ReasonOf(1));
    }

    [Fact]
    public void An_aggregate_restricts_the_hosts_to_its_members()
    {
        ProviderSnapshot[] hosts =
        [
            Host("a", ("VCPU", 8)).InAggregates("rack1"),
            Host("b", ("VCPU", 8)).InAggregates("rack2"),
            Host("c", ("VCPU", 8)).InAggregates("rack1", "rack2").Using(("VCPU", 7)),
        ];

        Assert.Equal(["b"], Plan(hosts, [Job(1, "batch", Vcpu(2).In("rack2"))]).HostsOf(1));
        Assert.Equal(["a"], Plan(hosts, [Job(1, "batch", Vcpu(1).In("rack1"))], Spread).HostsOf(1));
        Assert.Equal(["c"], Plan(hosts, [Job(1, "batch", Vcpu(1).In("rack1"))], Pack).HostsOf(1));
        Assert.Equal(["b", "a"], Plan(hosts, [Job(1, "batch", Vcpu(2).In("rack2"), Vcpu(8))]).HostsOf(1));
    }

    [Fact]
    public void Unit_limits_of_each_host_decide_which_amounts_it_takes()
    {
        ProviderSnapshot[] hosts =
        [
            Host("a", ("VCPU", 0)).With("VCPU", Inventory(64, stepSize: 4)),
            Host("b", ("VCPU", 0)).With("VCPU", Inventory(64, minUnit: 2, maxUnit: 6)),
            Host("c", ("VCPU", 0)).With("VCPU", Inventory(64, maxUnit: 1)),
        ];

        Assert.Equal(["a"], Plan(hosts, [Job(1, "batch", Vcpu(8))]).HostsOf(1));  // past b's max_unit
        Assert.Equal(["b"], Plan(hosts, [Job(1, "batch", Vcpu(6))]).HostsOf(1));  // not a step of 4
        Assert.Equal(["c"], Plan(hosts, [Job(1, "batch", Vcpu(1))]).HostsOf(1));  // under b's min_unit, not a step of 4
        Assert.Equal("no host accepts VCPU 7 (min_unit, max_unit, step_size)", Plan(hosts, [Job(1, "batch", Vcpu(7))]).ReasonOf(1));
    }

    [Fact]
    public void Capacity_is_total_less_reserved_times_the_allocation_ratio()
    {
        // (10 - 2) * 1.5 = 12, of which 4 in use: 8 free.
        ProviderSnapshot Cloud() => Host("a", ("VCPU", 0)).With("VCPU", Inventory(10, reserved: 2, allocationRatio: 1.5)).Using(("VCPU", 4));

        Assert.Equal([1L], Plan([Cloud()], [Job(1, "batch", Vcpu(8))]).AdmittedIds());
        Assert.Equal("needs VCPU 9 on one host; largest free is 8", Plan([Cloud()], [Job(1, "batch", Vcpu(9))]).ReasonOf(1));
    }

    [Fact]
    public void A_ratio_below_one_and_a_fractional_capacity_round_down()
    {
        // (7 - 0) * 0.5 = 3.5: 3 fits, 4 does not.
        var host = Host("a", ("VCPU", 0)).With("VCPU", Inventory(7, allocationRatio: 0.5));

        Assert.Equal([1L], Plan([host], [Job(1, "batch", Vcpu(3))]).AdmittedIds());
        Assert.Equal("needs VCPU 4 on one host; largest free is 3", Plan([host], [Job(1, "batch", Vcpu(4))]).ReasonOf(1));
    }

    [Fact]
    public void A_zero_amount_is_not_requested_and_needs_no_inventory()
    {
        var plan = Plan([Host("a", ("VCPU", 8))], [Job(1, "batch", Request(("VCPU", 2), ("DISK_GB", 0)))]);

        var candidate = Assert.Single(Assert.Single(plan.Admitted).Instances);
        Assert.Equal(new Dictionary<string, long> { ["VCPU"] = 2 }, ClaimedBy(candidate));
    }

    [Fact]
    public void A_request_of_nothing_but_zeros_lands_on_the_first_host()
    {
        var plan = Plan([Host("b", ("VCPU", 8)), Host("a", ("VCPU", 8)).Using(("VCPU", 8))], [Job(1, "batch", Request(("DISK_GB", 0)))]);

        var candidate = Assert.Single(Assert.Single(plan.Admitted).Instances);
        Assert.Equal("a", candidate.HostName);
        Assert.Empty(ClaimedBy(candidate));
    }

    [Fact]
    public void Nested_providers_are_not_hosts()
    {
        var child = Host("a-child", ("VCPU", 64)) with { ParentUuid = UuidOf("a") };

        var plan = Plan([Host("a", ("VCPU", 2)), child], [Job(1, "batch", Vcpu(4)), Job(2, "web", Vcpu(2))]);

        Assert.Equal([2L], plan.AdmittedIds());
        Assert.Equal(["a"], plan.HostsOf(2));
    }
}
