using FsCheck;
using FsCheck.Fluent;
using Workers.Queue.Admission;
using static Tests.Queue.Admission.AdmissionData;

namespace Tests.Queue.Admission;

/// <summary>
/// What every admission pass must keep, over random clouds and queues (<see cref="RandomAdmission"/>). A failure
/// prints the scenario, shrunk to fewer jobs and hosts, and the seed to replay it.
/// </summary>
public sealed class AdmissionProperties
{
    static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(500);

    static void ForAll(Arbitrary<Scenario> scenarios, Action<Scenario, AdmissionPlan> check) =>
        Prop.ForAll(scenarios, s => check(s, s.Plan())).Check(Runs);

    static void ForAll(Action<Scenario, AdmissionPlan> check) => ForAll(RandomAdmission.Scenarios, check);

    static (long, long) OrderOf(QueuedJob job) => (job.Priority, job.Id);

    [Fact]
    public void Admitted_claims_stay_within_capacity_and_unit_limits() => ForAll((s, plan) =>
    {
        var hosts = s.Hosts.ToDictionary(h => h.Uuid);
        var used = s.Hosts.ToDictionary(h => h.Uuid, h => new Dictionary<string, long>(h.Usages));
        var touched = new HashSet<(Guid, string)>();
        foreach (var allocation in plan.Admitted.SelectMany(a => a.Instances).SelectMany(c => c.Allocations))
        {
            Assert.True(hosts.TryGetValue(allocation.ProviderUuid, out var provider), $"claim on unknown provider {allocation.ProviderUuid}");
            foreach (var (resourceClass, amount) in allocation.Resources)
            {
                Assert.True(provider.Inventories.TryGetValue(resourceClass, out var inventory), $"{provider.Name} has no {resourceClass}");
                Assert.True(amount >= inventory.MinUnit && amount <= inventory.MaxUnit && amount % inventory.StepSize == 0,
                    $"{resourceClass} {amount} on {provider.Name} breaks its unit limits");
                used[provider.Uuid][resourceClass] = used[provider.Uuid].GetValueOrDefault(resourceClass) + amount;
                touched.Add((provider.Uuid, resourceClass));
            }
        }
        foreach (var (uuid, resourceClass) in touched)
        {
            var inventory = hosts[uuid].Inventories[resourceClass];
            // Placement's own check, in its own arithmetic.
            Assert.True(used[uuid][resourceClass] <= (inventory.Total - inventory.Reserved) * inventory.AllocationRatio,
                $"{hosts[uuid].Name} {resourceClass}: {used[uuid][resourceClass]} used after the pass is past its capacity");
        }
    });

    [Fact]
    public void Every_instance_lands_on_a_host_in_its_aggregate_with_its_traits() => ForAll((s, plan) =>
    {
        var hosts = s.Hosts.ToDictionary(h => h.Uuid);
        foreach (var admitted in plan.Admitted)
            foreach (var (request, candidate) in admitted.Job.Instances.Zip(admitted.Instances))
            {
                var host = hosts[candidate.HostUuid];
                var where = $"job {admitted.Job.Id} on {host.Name}";
                Assert.Equal(host.Name, candidate.HostName);
                Assert.Null(host.ParentUuid);
                Assert.All(candidate.Allocations, a => Assert.Equal(host.Uuid, a.ProviderUuid));
                Assert.True(request.MemberOf is null || host.Aggregates.Contains(request.MemberOf.Aggregate), $"{where}: not in {request.MemberOf?.Label}");
                Assert.True(request.RequiredTraits.IsSubsetOf(host.Traits), $"{where}: lacks a required trait");
                Assert.False(request.ForbiddenTraits.Overlaps(host.Traits), $"{where}: has a forbidden trait");
            }
    });

    [Fact]
    public void An_admitted_job_has_one_candidate_per_instance_claiming_exactly_its_non_zero_request() => ForAll((s, plan) =>
    {
        foreach (var admitted in plan.Admitted)
        {
            Assert.Equal(admitted.Job.Instances.Count, admitted.Instances.Count);
            foreach (var (request, candidate) in admitted.Job.Instances.Zip(admitted.Instances))
            {
                var wanted = request.Resources.Where(r => r.Value > 0).ToDictionary(r => r.Key, r => r.Value);
                Assert.Equal(wanted, ClaimedBy(candidate));
                Assert.All(candidate.Allocations.SelectMany(a => a.Resources), r => Assert.True(r.Value > 0));
            }
        }
    });

    [Fact]
    public void Under_strict_order_no_job_is_admitted_while_an_earlier_one_of_its_type_waits() => ForAll((s, plan) =>
    {
        foreach (var type in s.Jobs.Select(j => j.Type).Distinct().Where(t => s.PolicyOf(t).Order == AdmissionOrder.Strict))
        {
            var waiting = plan.Waiting.Select(w => w.Job).Where(j => j.Type == type).ToList();
            if (waiting.Count == 0)
                continue;
            var head = waiting.MinBy(OrderOf)!;
            Assert.DoesNotContain(plan.Admitted, a => a.Job.Type == type && OrderOf(a.Job).CompareTo(OrderOf(head)) > 0);
            foreach (var behind in plan.Waiting.Where(w => w.Job.Type == type && w.Job != head))
                Assert.Equal($"waiting for the jobs ahead of it (strict order)", behind.Reason);
        }
    });

    [Fact]
    public void Under_backfill_nothing_overtakes_a_head_that_has_waited_past_the_bound_and_anything_may_before() => ForAll((s, plan) =>
    {
        foreach (var type in s.Jobs.Select(j => j.Type).Distinct().Where(t => s.PolicyOf(t).Order == AdmissionOrder.Backfill))
        {
            var head = plan.Waiting.Select(w => w.Job).Where(j => j.Type == type).MinBy(OrderOf);
            if (head is null)
                continue;
            var behind = plan.Waiting.Where(w => w.Job.Type == type && w.Job != head).ToList();
            if (Now - head.QueuedSince <= s.PolicyOf(type).BackfillMaxHeadWait)
            {
                // Every job of the type was tried on its own merits.
                Assert.DoesNotContain(behind, w => w.Reason.StartsWith("waiting for the jobs ahead of it", StringComparison.Ordinal));
                continue;
            }
            Assert.DoesNotContain(plan.Admitted, a => a.Job.Type == type && OrderOf(a.Job).CompareTo(OrderOf(head)) > 0);
            Assert.All(behind, w => Assert.Equal($"waiting for the jobs ahead of it (the queue's head has waited past the backfill bound)", w.Reason));
        }
    });

    [Fact]
    public void A_plan_given_strict_types_only_up_to_a_point_is_the_whole_queue_plan_up_to_where_it_stops() => ForAll((s, plan) =>
    {
        // Strict types are given up to a random point (at least their first job); backfill types whole.
        var random = new Random(s.Jobs.Count * 17 + s.Hosts.Count);
        var readUpTo = new Dictionary<string, QueuedJob>(StringComparer.Ordinal);
        var given = new List<QueuedJob>();
        foreach (var type in s.Jobs.GroupBy(j => j.Type))
        {
            var inOrder = type.OrderBy(OrderOf).ToList();
            var take = s.PolicyOf(type.Key).Order == AdmissionOrder.Strict ? random.Next(1, inOrder.Count + 1) : inOrder.Count;
            given.AddRange(inOrder.Take(take));
            if (take < inOrder.Count)
                readUpTo[type.Key] = inOrder[take - 1];
        }

        var part = AdmissionPlanner.Plan(given, new CloudState(s.Hosts), s.Policies, Now, readUpTo);

        var stopped = part.Waiting.Where(w => w.Reason == AdmissionPlanner.NextPass).Select(w => w.Job).ToList();
        var stop = stopped.Count == 0 ? (long.MaxValue, long.MaxValue) : OrderOf(stopped[0]);
        Assert.All(stopped, j => Assert.True(OrderOf(j).CompareTo(stop) >= 0));
        Assert.Equal(given.Count(j => OrderOf(j).CompareTo(stop) >= 0), stopped.Count);
        var givenIds = given.Select(j => j.Id).ToHashSet();
        static IEnumerable<string> Placed(IEnumerable<AdmittedJob> admitted) =>
            admitted.Select(a => $"{a.Job.Id}@{string.Join(",", a.Instances.Select(c => c.HostName))}");
        Assert.Equal(Placed(plan.Admitted.Where(a => givenIds.Contains(a.Job.Id) && OrderOf(a.Job).CompareTo(stop) < 0)), Placed(part.Admitted));
        if (part.Cut)
            Assert.NotEmpty(part.Admitted); // planning again makes progress
        else
            Assert.Equal(plan.AdmittedIds().Order(), part.AdmittedIds().Order()); // nothing unseen would have fitted
        Assert.True(readUpTo.Count > 0 || (!part.Cut && stopped.Count == 0));
    });

    [Fact]
    public void Planning_again_in_any_input_order_gives_the_same_plan() => ForAll((s, plan) =>
    {
        var random = new Random(s.Jobs.Count * 31 + s.Hosts.Count);
        var shuffled = s with { Jobs = [.. s.Jobs.OrderBy(_ => random.Next())], Hosts = [.. s.Hosts.OrderBy(_ => random.Next())] };
        Assert.Equal(Describe(plan), Describe(s.Plan()));
        Assert.Equal(Describe(plan), Describe(shuffled.Plan()));
    });

    [Fact]
    public void Every_job_is_admitted_or_waits_with_a_reason_and_both_lists_are_in_queue_order() => ForAll((s, plan) =>
    {
        var ids = plan.AdmittedIds().Concat(plan.WaitingIds()).ToList();
        Assert.Equal(s.Jobs.Select(j => j.Id).Order(), ids.Order());
        Assert.All(plan.Waiting, w => Assert.False(string.IsNullOrWhiteSpace(w.Reason)));
        Assert.Equal(plan.Admitted.Select(a => a.Job).OrderBy(OrderOf), plan.Admitted.Select(a => a.Job));
        Assert.Equal(plan.Waiting.Select(w => w.Job).OrderBy(OrderOf), plan.Waiting.Select(w => w.Job));
    });

    [Fact]
    public void A_job_alone_in_the_queue_is_admitted_exactly_when_its_instances_fit() => ForAll(RandomAdmission.SingleJobScenarios, (s, plan) =>
    {
        var job = Assert.Single(s.Jobs);
        // All instances alike: each host takes some number of them whatever the others take, so the greedy pass
        // must admit the job exactly when those numbers add up to its instance count.
        if (job.Instances.Distinct().Count() != 1)
            return;
        var fits = Oracle.CopiesFitting(s.Hosts, job.Instances[0], job.Instances.Count) >= job.Instances.Count;
        if (fits && plan.Waiting.Count > 0)
            Assert.Fail($"waits although it fits: {plan.Waiting[0].Reason}");
        if (!fits && plan.Admitted.Count > 0)
            Assert.Fail($"admitted although it does not fit: {Describe(plan)}");
        if (plan.Admitted.Count == 1 && job.Instances.Count == 1)
        {
            var expected = Oracle.Choose(s.Hosts, job.Instances[0], s.PolicyOf(job.Type).Placement)!;
            var candidate = plan.Admitted[0].Instances[0];
            Assert.Equal((expected.Name, expected.Uuid), (candidate.HostName, candidate.HostUuid));
        }
    });

    [Fact]
    public void A_job_waiting_for_capacity_does_not_fit_what_the_pass_left_free() => ForAll((s, plan) =>
    {
        // What is free at the end is at most what any waiting job saw, so a job that waited for lack of room must
        // still lack it. Checked for jobs whose instances are alike, where fitting is exactly known.
        var after = Oracle.After(s.Hosts, plan);
        foreach (var w in plan.Waiting.Where(w => !w.Reason.StartsWith("waiting for the jobs ahead of it", StringComparison.Ordinal)))
        {
            if (w.Job.Instances.Distinct().Count() != 1)
                continue;
            var copies = Oracle.CopiesFitting(after, w.Job.Instances[0], w.Job.Instances.Count);
            Assert.True(copies < w.Job.Instances.Count, $"job {w.Job.Id} waits ({w.Reason}) but {copies} of its instances fit");
        }
    });

    /// <summary>A plan written out in full, for comparing two plans.</summary>
    static string Describe(AdmissionPlan plan) => string.Join("\n",
        plan.Admitted.Select(a => $"admit {a.Job.Id}: " + string.Join(" | ", a.Instances.Select(c =>
            $"{c.HostName} {c.HostUuid:N} " + string.Join(",", ClaimedBy(c).OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key}={r.Value}")))))
        .Concat(plan.Waiting.Select(w => $"wait {w.Job.Id}: {w.Reason}")));
}
