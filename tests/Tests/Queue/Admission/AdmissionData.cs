using System.Security.Cryptography;
using System.Text;
using Workers.Placement;
using Workers.Queue.Admission;

namespace Tests.Queue.Admission;

/// <summary>Short ways to write hosts, requests, jobs and policies in the admission tests.</summary>
static class AdmissionData
{
    public static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A stable uuid for a name, so that hosts and aggregates can be written by name.</summary>
    public static Guid UuidOf(string name) => new(MD5.HashData(Encoding.UTF8.GetBytes(name)));

    public static AllocationPlanner.Inventory Inventory(int total, int reserved = 0, int minUnit = 1, int maxUnit = int.MaxValue,
        int stepSize = 1, double allocationRatio = 1.0) => new(total, reserved, minUnit, maxUnit, stepSize, allocationRatio);

    /// <summary>A root provider with plain inventories (no reserve, unit limits 1..max, ratio 1) and no usage.</summary>
    public static ProviderSnapshot Host(string name, params (string Class, int Total)[] inventories) =>
        Host(name, UuidOf(name), inventories);

    /// <summary>As <see cref="Host(string, (string Class, int Total)[])"/> with a chosen uuid (for hosts that share a name).</summary>
    public static ProviderSnapshot Host(string name, Guid uuid, params (string Class, int Total)[] inventories) => new(
        uuid, name, inventories.ToDictionary(i => i.Class, i => Inventory(i.Total)), new Dictionary<string, long>());

    /// <summary>Replaces (or adds) one inventory of a host.</summary>
    public static ProviderSnapshot With(this ProviderSnapshot host, string resourceClass, AllocationPlanner.Inventory inventory) =>
        host with { Inventories = new Dictionary<string, AllocationPlanner.Inventory>(host.Inventories) { [resourceClass] = inventory } };

    public static ProviderSnapshot Using(this ProviderSnapshot host, params (string Class, long Used)[] usages) =>
        host with { Usages = usages.ToDictionary(u => u.Class, u => u.Used) };

    public static ProviderSnapshot WithTraits(this ProviderSnapshot host, params string[] traits) =>
        host with { Traits = traits.ToHashSet() };

    /// <summary>Member of the aggregates named by <paramref name="labels"/> (uuids by <see cref="UuidOf"/>).</summary>
    public static ProviderSnapshot InAggregates(this ProviderSnapshot host, params string[] labels) =>
        host with { Aggregates = labels.Select(UuidOf).ToHashSet() };

    public static AllocationRequest Request(params (string Class, long Amount)[] resources) =>
        new(resources.ToDictionary(r => r.Class, r => r.Amount));

    public static AllocationRequest Vcpu(long vcpu) => Request(("VCPU", vcpu));

    public static AllocationRequest Requiring(this AllocationRequest request, params string[] traits) =>
        request with { RequiredTraits = traits.ToHashSet() };

    public static AllocationRequest Forbidding(this AllocationRequest request, params string[] traits) =>
        request with { ForbiddenTraits = traits.ToHashSet() };

    /// <summary>Must land in the aggregate named <paramref name="label"/> (its uuid is <see cref="UuidOf"/> the label).</summary>
    public static AllocationRequest In(this AllocationRequest request, string label) =>
        request with { MemberOf = new MemberOf(UuidOf(label), label) };

    /// <summary>A job whose priority is its id, queued at <see cref="Now"/>, named "job-&lt;id&gt;".</summary>
    public static QueuedJob Job(long id, string type, params AllocationRequest[] instances) =>
        new(id, type, id, Now, instances, $"job-{id}");

    public static QueuedJob QueuedAt(this QueuedJob job, DateTimeOffset since) => job with { QueuedSince = since };

    public static QueuedJob WithPriority(this QueuedJob job, long priority) => job with { Priority = priority };

    public static QueuePolicy Strict(HostSelection placement = HostSelection.Spread) =>
        new(AdmissionOrder.Strict, TimeSpan.Zero, placement);

    public static QueuePolicy Backfill(TimeSpan bound, HostSelection placement = HostSelection.Spread) =>
        new(AdmissionOrder.Backfill, bound, placement);

    public static AdmissionPlan Plan(IEnumerable<ProviderSnapshot> hosts, IEnumerable<QueuedJob> jobs,
        Dictionary<string, QueuePolicy>? policies = null, DateTimeOffset? now = null) =>
        AdmissionPlanner.Plan(jobs, new CloudState(hosts.ToList()), policies ?? [], now ?? Now);

    public static IEnumerable<long> AdmittedIds(this AdmissionPlan plan) => plan.Admitted.Select(a => a.Job.Id);

    public static IEnumerable<long> WaitingIds(this AdmissionPlan plan) => plan.Waiting.Select(w => w.Job.Id);

    public static string ReasonOf(this AdmissionPlan plan, long jobId) => plan.Waiting.Single(w => w.Job.Id == jobId).Reason;

    /// <summary>The host names of an admitted job's instances, in instance order.</summary>
    public static IEnumerable<string> HostsOf(this AdmissionPlan plan, long jobId) =>
        plan.Admitted.Single(a => a.Job.Id == jobId).Instances.Select(i => i.HostName);

    /// <summary>Everything an admitted job's instance claims, summed over the providers it spans.</summary>
    public static Dictionary<string, long> ClaimedBy(Candidate candidate) =>
        candidate.Allocations.SelectMany(a => a.Resources)
            .GroupBy(r => r.Key).ToDictionary(g => g.Key, g => g.Sum(r => r.Value));
}
