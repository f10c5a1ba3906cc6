using Workers.Queue.Admission;
using static Tests.Queue.Admission.AdmissionData;

namespace Tests.Queue.Admission;

/// <summary>The reason a waiting job's owner sees, one test per kind of shortfall.</summary>
public sealed class WaitingReasonTests
{
    static string ReasonFor(IEnumerable<ProviderSnapshot> hosts, params AllocationRequest[] instances) =>
        Plan(hosts, [Job(1, "batch", instances)]).ReasonOf(1);

    static ProviderSnapshot[] TwoHosts() =>
    [
        Host("a", ("VCPU", 8), ("MEMORY_MB", 4096)).WithTraits("CUSTOM_SSD").InAggregates("rack1").Using(("VCPU", 6)),
        Host("b", ("VCPU", 8), ("MEMORY_MB", 4096)).InAggregates("rack2").Using(("MEMORY_MB", 4000)),
    ];

    [Fact]
    public void No_host_at_all() =>
        Assert.Equal("no host exists", ReasonFor([], Vcpu(1)));

    [Fact]
    public void No_host_in_the_aggregate() =>
        Assert.Equal("no host in aggregate rack9", ReasonFor(TwoHosts(), Vcpu(1).In("rack9")));

    [Fact]
    public void No_host_with_a_required_trait() =>
        Assert.Equal("no host has trait CUSTOM_GPU", ReasonFor(TwoHosts(), Vcpu(1).Requiring("CUSTOM_GPU")));

    [Fact]
    public void No_host_in_the_aggregate_with_a_required_trait() =>
        Assert.Equal("no host in aggregate rack2 has trait CUSTOM_SSD", ReasonFor(TwoHosts(), Vcpu(1).Requiring("CUSTOM_SSD").In("rack2")));

    [Fact]
    public void Traits_that_no_single_host_matches() =>
        Assert.Equal("no host in aggregate rack1 matches traits CUSTOM_SSD, !CUSTOM_SSD",
            ReasonFor(TwoHosts(), Vcpu(1).Requiring("CUSTOM_SSD").Forbidding("CUSTOM_SSD").In("rack1")));

    [Fact]
    public void Every_host_forbidden() =>
        Assert.Equal("no host in aggregate rack1 matches traits !CUSTOM_SSD", ReasonFor(TwoHosts(), Vcpu(1).Forbidding("CUSTOM_SSD").In("rack1")));

    [Fact]
    public void A_resource_class_no_host_has() =>
        Assert.Equal("no host has CUSTOM_FPGA inventory", ReasonFor(TwoHosts(), Request(("VCPU", 1), ("CUSTOM_FPGA", 1))));

    [Fact]
    public void A_resource_class_no_host_of_the_aggregate_has()
    {
        ProviderSnapshot[] hosts = [.. TwoHosts(), Host("g", ("CUSTOM_GPU", 4)).InAggregates("rack3")];

        Assert.Equal("no host in aggregate rack2 has CUSTOM_GPU inventory", ReasonFor(hosts, Request(("CUSTOM_GPU", 1)).In("rack2")));
    }

    [Fact]
    public void An_amount_no_host_unit_limits_allow()
    {
        ProviderSnapshot[] hosts = [Host("a", ("VCPU", 0)).With("VCPU", Inventory(64, minUnit: 2, maxUnit: 16, stepSize: 2))];

        Assert.Equal("no host accepts VCPU 3 (min_unit, max_unit, step_size)", ReasonFor(hosts, Vcpu(3)));
        Assert.Equal("no host accepts VCPU 18 (min_unit, max_unit, step_size)", ReasonFor(hosts, Vcpu(18)));
    }

    [Fact]
    public void More_than_any_host_of_the_aggregate_has_free()
    {
        ProviderSnapshot[] hosts =
        [
            Host("a", ("VCPU", 16)).InAggregates("host1").Using(("VCPU", 8)),
            Host("b", ("VCPU", 16)).InAggregates("host1").Using(("VCPU", 12)),
            Host("c", ("VCPU", 64)),
        ];

        Assert.Equal("needs VCPU 16 on one host in aggregate host1; largest free is 8", ReasonFor(hosts, Vcpu(16).In("host1")));
    }

    [Fact]
    public void The_first_class_in_name_order_that_no_host_has_free_is_named() =>
        Assert.Equal("needs MEMORY_MB 4097 on one host; largest free is 4096",
            ReasonFor(TwoHosts(), Request(("VCPU", 9), ("MEMORY_MB", 4097))));

    [Fact]
    public void Each_amount_free_somewhere_but_not_all_on_one_host() =>
        Assert.Equal("needs MEMORY_MB 1024, VCPU 4 on one host; no host has all of it free",
            ReasonFor(TwoHosts(), Request(("VCPU", 4), ("MEMORY_MB", 1024))));

    [Fact]
    public void A_later_instance_short_of_capacity_says_how_many_fit_at_once() =>
        Assert.Equal("only 2 of 3 instances fit at once; the next needs VCPU 4 on one host; largest free is 2",
            ReasonFor(TwoHosts(), Vcpu(2), Vcpu(4), Vcpu(4)));

    [Fact]
    public void The_first_instance_short_of_capacity_gives_the_plain_reason() =>
        Assert.Equal("needs VCPU 9 on one host; largest free is 8", ReasonFor(TwoHosts(), Vcpu(9), Vcpu(1)));

    [Fact]
    public void An_instance_no_host_could_ever_take_is_named_by_its_number() =>
        Assert.Equal("instance 2 of 2: no host has trait CUSTOM_GPU", ReasonFor(TwoHosts(), Vcpu(1), Vcpu(1).Requiring("CUSTOM_GPU")));

    [Fact]
    public void Jobs_held_back_by_order_name_the_job_they_wait_behind()
    {
        var policies = new Dictionary<string, QueuePolicy>
        {
            ["batch"] = Strict(),
            ["web"] = Backfill(TimeSpan.FromMinutes(5)),
        };
        var jobs = new[]
        {
            Job(1, "batch", Vcpu(99)) with { RequestId = "nightly-etl" },
            Job(2, "web", Vcpu(99)).QueuedAt(Now.AddMinutes(-6)) with { RequestId = "frontend" },
            Job(3, "batch", Vcpu(1)),
            Job(4, "web", Vcpu(1)),
        };

        var plan = Plan(TwoHosts(), jobs, policies);

        Assert.Equal("waiting for the jobs ahead of it (strict order)", plan.ReasonOf(3));
        Assert.Equal("waiting for the jobs ahead of it (the queue's head has waited past the backfill bound)", plan.ReasonOf(4));
    }

    [Fact]
    public void A_job_behind_a_waiting_head_gets_the_order_reason_even_if_it_would_not_fit_either()
    {
        var plan = Plan(TwoHosts(), [Job(1, "batch", Vcpu(99)), Job(2, "batch", Vcpu(99))]);

        Assert.Equal("needs VCPU 99 on one host; largest free is 8", plan.ReasonOf(1));
        Assert.Equal("waiting for the jobs ahead of it (strict order)", plan.ReasonOf(2));
    }
}
