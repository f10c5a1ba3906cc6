using Workers.Queue.Admission;
using static Tests.Queue.Admission.AdmissionData;

namespace Tests.Queue.Admission;

/// <summary>Which jobs a pass admits: fit, all instances or none, priority order, strict and backfill.</summary>
public sealed class AdmissionOrderTests
{
    [Fact]
    public void A_job_that_fits_is_admitted_with_its_request_claimed_on_the_host()
    {
        var plan = Plan([Host("h1", ("VCPU", 8), ("MEMORY_MB", 4096))], [Job(1, "batch", Request(("VCPU", 4), ("MEMORY_MB", 1024)))]);

        var admitted = Assert.Single(plan.Admitted);
        Assert.Empty(plan.Waiting);
        var candidate = Assert.Single(admitted.Instances);
        Assert.Equal((UuidOf("h1"), "h1"), (candidate.HostUuid, candidate.HostName));
        var allocation = Assert.Single(candidate.Allocations);
        Assert.Equal(UuidOf("h1"), allocation.ProviderUuid);
        Assert.Equal(new Dictionary<string, long> { ["VCPU"] = 4, ["MEMORY_MB"] = 1024 }, allocation.Resources);
    }

    [Fact]
    public void A_job_that_does_not_fit_waits_with_a_reason()
    {
        var plan = Plan([Host("h1", ("VCPU", 8)).Using(("VCPU", 6))], [Job(1, "batch", Vcpu(4))]);

        Assert.Empty(plan.Admitted);
        Assert.Equal("needs VCPU 4 on one host; largest free is 2", plan.ReasonOf(1));
    }

    [Fact]
    public void A_job_fills_exactly_the_free_capacity()
    {
        var plan = Plan([Host("h1", ("VCPU", 8)).Using(("VCPU", 6))], [Job(1, "batch", Vcpu(2))]);

        Assert.Equal([1L], plan.AdmittedIds());
    }

    [Fact]
    public void Every_instance_of_a_job_gets_its_own_candidate_and_each_claim_is_seen_by_the_next()
    {
        var plan = Plan([Host("h1", ("VCPU", 4)), Host("h2", ("VCPU", 4)), Host("h3", ("VCPU", 4))],
            [Job(1, "batch", Vcpu(4), Vcpu(4), Vcpu(4))]);

        Assert.Equal(["h1", "h2", "h3"], plan.HostsOf(1));
    }

    [Fact]
    public void A_job_whose_last_instance_does_not_fit_gives_back_what_its_earlier_instances_took()
    {
        var hosts = new[] { Host("h1", ("VCPU", 8)) };
        // Job 1's first instance takes 6 of 8; its second does not fit. Job 2 (another type, so not held back by
        // order) needs all 8: it is admitted only if job 1's first claim was given back.
        var plan = Plan(hosts, [Job(1, "batch", Vcpu(6), Vcpu(6)), Job(2, "web", Vcpu(8))]);

        Assert.Equal([2L], plan.AdmittedIds());
        Assert.Equal("only 1 of 2 instances fit at once; the next needs VCPU 6 on one host; largest free is 2", plan.ReasonOf(1));
        Assert.Equal(["h1"], plan.HostsOf(2));
    }

    [Fact]
    public void Jobs_go_in_ascending_priority_then_id_across_types_and_the_plan_lists_them_in_that_order()
    {
        var plan = Plan([Host("h1", ("VCPU", 4))],
        [
            Job(1, "batch", Vcpu(2)).WithPriority(5),
            Job(2, "web", Vcpu(2)).WithPriority(0),
            Job(3, "gpu", Vcpu(2)).WithPriority(5),
        ]);

        Assert.Equal([2L, 1L], plan.AdmittedIds());
        Assert.Equal([3L], plan.WaitingIds());
    }

    [Fact]
    public void Strict_order_holds_back_a_later_smaller_job_of_the_same_type_but_not_of_another_type()
    {
        var policies = new Dictionary<string, QueuePolicy> { ["batch"] = Strict(), ["web"] = Strict() };
        var plan = Plan([Host("h1", ("VCPU", 8))], [Job(1, "batch", Vcpu(16)), Job(2, "batch", Vcpu(1)), Job(3, "web", Vcpu(1))], policies);

        Assert.Equal([3L], plan.AdmittedIds());
        Assert.Equal("needs VCPU 16 on one host; largest free is 8", plan.ReasonOf(1));
        Assert.Equal("waiting for the jobs ahead of it (strict order)", plan.ReasonOf(2));
    }

    [Fact]
    public void Strict_order_admits_every_job_before_the_first_that_does_not_fit()
    {
        var plan = Plan([Host("h1", ("VCPU", 8))],
            [Job(1, "batch", Vcpu(3)), Job(2, "batch", Vcpu(3)), Job(3, "batch", Vcpu(3)), Job(4, "batch", Vcpu(1))],
            new() { ["batch"] = Strict() });

        Assert.Equal([1L, 2L], plan.AdmittedIds());
        Assert.Equal("waiting for the jobs ahead of it (strict order)", plan.ReasonOf(4));
    }

    [Fact]
    public void A_type_without_a_policy_is_strict()
    {
        var plan = Plan([Host("h1", ("VCPU", 8))], [Job(1, "batch", Vcpu(16)), Job(2, "batch", Vcpu(1))]);

        Assert.Empty(plan.Admitted);
        Assert.Equal("waiting for the jobs ahead of it (strict order)", plan.ReasonOf(2));
    }

    [Fact]
    public void Backfill_lets_a_later_job_that_fits_go_first_while_the_head_has_waited_less_than_the_bound()
    {
        var policies = new Dictionary<string, QueuePolicy> { ["batch"] = Backfill(TimeSpan.FromMinutes(30)) };
        var jobs = new[]
        {
            Job(1, "batch", Vcpu(16)).QueuedAt(Now.AddMinutes(-10)),
            Job(2, "batch", Vcpu(4)).QueuedAt(Now.AddMinutes(-5)),
            Job(3, "batch", Vcpu(4)).QueuedAt(Now.AddMinutes(-5)),
        };

        var plan = Plan([Host("h1", ("VCPU", 8))], jobs, policies);

        Assert.Equal([2L, 3L], plan.AdmittedIds());
        Assert.Equal("needs VCPU 16 on one host; largest free is 8", plan.ReasonOf(1));
    }

    [Fact]
    public void Backfill_stops_once_the_head_has_waited_past_the_bound()
    {
        var policies = new Dictionary<string, QueuePolicy> { ["batch"] = Backfill(TimeSpan.FromMinutes(30)) };
        var jobs = new[]
        {
            Job(1, "batch", Vcpu(16)).QueuedAt(Now.AddMinutes(-31)),
            Job(2, "batch", Vcpu(4)),
            Job(3, "web", Vcpu(4)),
        };

        var plan = Plan([Host("h1", ("VCPU", 8))], jobs, policies);

        Assert.Equal([3L], plan.AdmittedIds());
        Assert.Equal("waiting for the jobs ahead of it (the queue's head has waited past the backfill bound)", plan.ReasonOf(2));
    }

    [Fact]
    public void Backfill_still_lets_jobs_past_a_head_that_has_waited_exactly_the_bound()
    {
        var policies = new Dictionary<string, QueuePolicy> { ["batch"] = Backfill(TimeSpan.FromMinutes(30)) };
        var jobs = new[] { Job(1, "batch", Vcpu(16)).QueuedAt(Now.AddMinutes(-30)), Job(2, "batch", Vcpu(4)) };

        var plan = Plan([Host("h1", ("VCPU", 8))], jobs, policies);

        Assert.Equal([2L], plan.AdmittedIds());
    }

    [Fact]
    public void Backfill_measures_the_wait_of_the_head_not_of_the_jobs_behind_it()
    {
        var policies = new Dictionary<string, QueuePolicy> { ["batch"] = Backfill(TimeSpan.FromMinutes(30)) };
        var jobs = new[]
        {
            Job(1, "batch", Vcpu(2)).QueuedAt(Now.AddHours(-5)),   // fits: it is not the head
            Job(2, "batch", Vcpu(16)).QueuedAt(Now.AddMinutes(-1)), // the head: waited 1 minute
            Job(3, "batch", Vcpu(2)).QueuedAt(Now.AddHours(-5)),
        };

        var plan = Plan([Host("h1", ("VCPU", 8))], jobs, policies);

        Assert.Equal([1L, 3L], plan.AdmittedIds());
    }

    [Fact]
    public void Backfill_is_per_type_a_blocked_type_does_not_block_another()
    {
        var policies = new Dictionary<string, QueuePolicy>
        {
            ["batch"] = Backfill(TimeSpan.FromMinutes(30)),
            ["web"] = Backfill(TimeSpan.FromMinutes(30)),
        };
        var jobs = new[]
        {
            Job(1, "batch", Vcpu(16)).QueuedAt(Now.AddHours(-1)),
            Job(2, "web", Vcpu(16)).QueuedAt(Now.AddMinutes(-1)),
            Job(3, "batch", Vcpu(2)),
            Job(4, "web", Vcpu(2)),
        };

        var plan = Plan([Host("h1", ("VCPU", 8))], jobs, policies);

        Assert.Equal([4L], plan.AdmittedIds());
        Assert.Equal("waiting for the jobs ahead of it (the queue's head has waited past the backfill bound)", plan.ReasonOf(3));
    }
}
