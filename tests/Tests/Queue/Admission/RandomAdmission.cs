using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Workers.Placement;
using Workers.Queue.Admission;
using static Tests.Queue.Admission.AdmissionData;

namespace Tests.Queue.Admission;

/// <summary>The input of one admission pass: a cloud, a queue and the types' policies.</summary>
sealed record Scenario(IReadOnlyList<ProviderSnapshot> Hosts, IReadOnlyList<QueuedJob> Jobs, Dictionary<string, QueuePolicy> Policies)
{
    public AdmissionPlan Plan() => AdmissionPlanner.Plan(Jobs, new CloudState(Hosts), Policies, Now);

    public QueuePolicy PolicyOf(string type) => Policies.GetValueOrDefault(type) ?? QueuePolicy.Default;

    /// <summary>One line per host, job and policy, so that a failing case can be read and written back as a test.</summary>
    public override string ToString()
    {
        static string N(double v) => v.ToString(CultureInfo.InvariantCulture);
        var sb = new StringBuilder().AppendLine();
        foreach (var h in Hosts)
        {
            var inventories = h.Inventories.OrderBy(i => i.Key, StringComparer.Ordinal).Select(i =>
                $"{i.Key} {h.Usages.GetValueOrDefault(i.Key)}/{i.Value.Total} reserved {i.Value.Reserved} units " +
                $"{i.Value.MinUnit}..{(i.Value.MaxUnit == int.MaxValue ? "max" : i.Value.MaxUnit)} step {i.Value.StepSize} ratio {N(i.Value.AllocationRatio)}");
            sb.AppendLine($"host {h.Name} {h.Uuid:N}: {string.Join("; ", inventories)}" +
                          $" traits [{string.Join(",", h.Traits.Order())}] aggregates [{string.Join(",", h.Aggregates.Select(AggregateLabel).Order())}]");
        }
        foreach (var j in Jobs)
            sb.AppendLine($"job {j.Id} {j.Type} priority {j.Priority} waited {(Now - j.QueuedSince).TotalMinutes}m: " +
                          string.Join(" | ", j.Instances.Select(Describe)));
        foreach (var (type, p) in Policies.OrderBy(p => p.Key, StringComparer.Ordinal))
            sb.AppendLine($"policy {type}: {p.Order} bound {p.BackfillMaxHeadWait.TotalMinutes}m {p.Placement}");
        return sb.ToString();
    }

    public static string Describe(AllocationRequest r) =>
        string.Join(", ", r.Resources.Select(x => $"{x.Key} {x.Value}")) +
        string.Concat(r.RequiredTraits.Order().Select(t => $" +{t}")) +
        string.Concat(r.ForbiddenTraits.Order().Select(t => $" !{t}")) +
        (r.MemberOf is { } m ? $" in {m.Label}" : "");

    static string AggregateLabel(Guid uuid) => RandomAdmission.Aggregates.FirstOrDefault(a => UuidOf(a) == uuid) ?? uuid.ToString();
}

/// <summary>
/// Random clouds (1 to 20 hosts, a few resource classes with random unit limits, reserve, ratio and usage, random traits
/// and aggregates) and random queues (random types, priorities and wait, 1 to 4 instances) for the admission properties.
/// Amounts are small against the hosts so that jobs compete for them.
/// </summary>
static class RandomAdmission
{
    public static readonly string[] Classes = ["DISK_GB", "MEMORY_MB", "VCPU", "CUSTOM_GPU"];
    /// <summary>In tenths: how often a host has each of <see cref="Classes"/>, and how often a request asks for it.</summary>
    static readonly int[] HostHas = [6, 9, 9, 2];
    static readonly int[] RequestAsks = [4, 6, 9, 1];
    public static readonly string[] Traits = ["CUSTOM_SSD", "HW_CPU_X86_AVX2", "CUSTOM_GPU_A100"];
    /// <summary>The aggregates hosts are in; requests may also name "rack9", which has no host.</summary>
    public static readonly string[] Aggregates = ["rack1", "rack2", "rack3"];
    public static readonly string[] Types = ["batch", "web", "gpu"];

    /// <summary><paramref name="rare"/> <paramref name="tenths"/> times in ten, else <paramref name="usual"/>.</summary>
    static Gen<T> Sometimes<T>(int tenths, Gen<T> rare, T usual) => Gen.Frequency((tenths, rare), (10 - tenths, Gen.Constant(usual)));

    /// <summary>Each of <paramref name="items"/> kept <c>tenths[i]</c> times in ten.</summary>
    static Gen<string[]> SomeOf(string[] items, int[] tenths) =>
        Gen.CollectToArray(items.Zip(tenths), x => Sometimes(x.Second, Gen.Constant(true), false))
            .Select(kept => items.Where((_, i) => kept[i]).ToArray());

    /// <param name="unitLimits">Whether min_unit, max_unit and step_size may differ from 1, unlimited and 1.</param>
    static Gen<AllocationPlanner.Inventory> InventoryGen(bool unitLimits) =>
        from total in Gen.Frequency((1, Gen.Choose(0, 3)), (9, Gen.Choose(4, 32)))
        from reserved in Sometimes(2, Gen.Choose(0, total / 2), 0)
        from minUnit in Sometimes(unitLimits ? 1 : 0, Gen.Choose(1, 3), 1)
        from maxUnit in Sometimes(unitLimits ? 1 : 0, Gen.Choose(minUnit, 12), int.MaxValue)
        from stepSize in Sometimes(unitLimits ? 1 : 0, Gen.Choose(1, 3), 1)
        from ratio in Gen.Elements(1.0, 1.0, 1.0, 0.5, 1.5, 2.0, 16.0)
        select new AllocationPlanner.Inventory(total, reserved, minUnit, maxUnit, stepSize, ratio);

    /// <summary>Anything from empty to full (and, rarely, past full, as after an inventory shrank under allocations).</summary>
    static Gen<long> UsageGen(AllocationPlanner.Inventory inventory)
    {
        var capacity = (long)Math.Floor((inventory.Total - inventory.Reserved) * inventory.AllocationRatio);
        return Gen.Frequency(
            (3, Gen.Constant(0L)),
            (6, Gen.Choose(0, (int)capacity).Select(u => (long)u)),
            (1, Gen.Choose((int)capacity, (int)capacity + 4).Select(u => (long)u)));
    }

    /// <summary>Which classes a host has, and its inventory of each.</summary>
    static Gen<(string[] Classes, AllocationPlanner.Inventory[] Inventories)> ShapeGen(bool unitLimits) =>
        from classes in SomeOf(Classes, HostHas)
        from inventories in Gen.CollectToArray(classes, _ => InventoryGen(unitLimits))
        select (classes, inventories);

    /// <param name="idleTenths">How often, in ten, a class is left unused (besides what <see cref="UsageGen"/> leaves).</param>
    static Gen<ProviderSnapshot> HostGen(int index, int hostCount, Gen<(string[] Classes, AllocationPlanner.Inventory[] Inventories)> shapes,
        int idleTenths) =>
        from name in Gen.Choose(0, hostCount).Select(n => $"h{n}")   // names may repeat: uuid breaks the tie
        from uuidHigh in Gen.Choose(0, int.MaxValue)
        from shape in shapes
        from usages in Gen.CollectToArray(shape.Inventories, i => Gen.Frequency((idleTenths, Gen.Constant(0L)), (10 - idleTenths, UsageGen(i))))
        from traits in Gen.SubListOf(Traits)
        from aggregates in Gen.SubListOf(Aggregates)
        select new ProviderSnapshot(
            new Guid(uuidHigh, 0, 0, BitConverter.GetBytes((long)index)),
            name,
            shape.Classes.Zip(shape.Inventories).ToDictionary(x => x.First, x => x.Second),
            shape.Classes.Zip(usages).Where(x => x.Second > 0).ToDictionary(x => x.First, x => x.Second))
        {
            Traits = traits.ToHashSet(),
            Aggregates = aggregates.Select(UuidOf).ToHashSet(),
        };

    static readonly Gen<AllocationRequest> RequestGen =
        from asked in SomeOf(Classes, RequestAsks)
        from unknown in Sometimes(1, Gen.Constant<string[]>(["CUSTOM_FPGA"]), [])
        from amounts in Gen.CollectToArray(asked.Concat(unknown), _ => Gen.Frequency((1, Gen.Constant(0L)), (7, Gen.Choose(1, 8).Select(a => (long)a))))
        from required in Sometimes(2, Gen.SubListOf(Traits).Select(t => t.Take(2)), [])
        from forbidden in Sometimes(1, Gen.Elements(Traits).Select(t => new[] { t }.AsEnumerable()), [])
        from memberOf in Sometimes(2, Gen.Elements<string?>([.. Aggregates, .. Aggregates, "rack9"]), null)
        select new AllocationRequest(asked.Concat(unknown).Zip(amounts).ToDictionary(x => x.First, x => x.Second))
        {
            RequiredTraits = required.ToHashSet(),
            ForbiddenTraits = forbidden.ToHashSet(),
            MemberOf = memberOf is null ? null : new MemberOf(UuidOf(memberOf), memberOf),
        };

    /// <summary>Mostly the same request for every instance (one object, as a job's template gives), sometimes each its own.</summary>
    public static Gen<AllocationRequest[]> InstancesGen(int count) => Gen.Frequency(
        (3, RequestGen.Select(r => Enumerable.Repeat(r, count).ToArray())),
        (1, Gen.ArrayOf(RequestGen, count)));

    static Gen<QueuedJob> JobGen(long id) =>
        from type in Gen.Elements(Types)
        from priority in Gen.Choose(0, 3)
        from waitedMinutes in Gen.Choose(0, 120)
        from count in Gen.Choose(1, 4)
        from instances in InstancesGen(count)
        select new QueuedJob(id, type, priority, Now.AddMinutes(-waitedMinutes), instances, $"job-{id}");

    static readonly Gen<QueuePolicy> PolicyGen =
        from order in Gen.Elements(AdmissionOrder.Strict, AdmissionOrder.Backfill, AdmissionOrder.Backfill)
        from boundMinutes in Gen.Choose(0, 120)
        from placement in Gen.Elements(HostSelection.Spread, HostSelection.Pack)
        select new QueuePolicy(order, TimeSpan.FromMinutes(boundMinutes), placement);

    /// <summary>A policy for each type, or (sometimes) none, so that the default is used.</summary>
    static readonly Gen<Dictionary<string, QueuePolicy>> PoliciesGen =
        Gen.CollectToArray(Types, _ => Gen.Frequency((1, Gen.Constant<QueuePolicy?>(null)), (4, PolicyGen.Select(p => (QueuePolicy?)p))))
            .Select(ps => Types.Zip(ps).Where(x => x.Second is not null).ToDictionary(x => x.First, x => x.Second!));

    /// <summary>
    /// Half the clouds have plain unit limits everywhere, as most real ones do (the planner then has less to check). A
    /// third are built alike, as a real cloud's racks are, and mostly idle: many hosts tie, and the tie rule decides.
    /// </summary>
    public static Gen<ProviderSnapshot[]> CloudGen =>
        from hostCount in Gen.Choose(1, 20)
        from unitLimits in Gen.Elements(true, false)
        from alike in Gen.Elements(false, false, true)
        from template in ShapeGen(unitLimits)
        from hosts in Gen.CollectToArray(Enumerable.Range(0, hostCount),
            i => alike ? HostGen(i, hostCount, Gen.Constant(template), 6) : HostGen(i, hostCount, ShapeGen(unitLimits), 0))
        select hosts;

    /// <summary>Ids 1..n handed out in random order, so the queue is not already in id order.</summary>
    static readonly Gen<QueuedJob[]> QueueGen =
        from jobCount in Gen.Choose(0, 30)
        from ids in Gen.Shuffle(Enumerable.Range(1, jobCount).Select(i => (long)i))
        from jobs in Gen.CollectToArray(ids, JobGen)
        select jobs;

    public static readonly Gen<Scenario> ScenarioGen =
        from hosts in CloudGen
        from jobs in QueueGen
        from policies in PoliciesGen
        select new Scenario(hosts, jobs, policies);

    /// <summary>Smaller scenarios: one job fewer, or one host fewer.</summary>
    static IEnumerable<Scenario> Shrink(Scenario s) =>
        Enumerable.Range(0, s.Jobs.Count).Select(i => s with { Jobs = [.. s.Jobs.Take(i), .. s.Jobs.Skip(i + 1)] })
            .Concat(Enumerable.Range(0, s.Hosts.Count).Where(_ => s.Hosts.Count > 1)
                .Select(i => s with { Hosts = [.. s.Hosts.Take(i), .. s.Hosts.Skip(i + 1)] }));

    public static Arbitrary<Scenario> Scenarios => Arb.From(ScenarioGen, Shrink);

    /// <summary>A cloud and one job alone in the queue, under a random policy for its type.</summary>
    public static Arbitrary<Scenario> SingleJobScenarios => Arb.From(
        from hosts in CloudGen
        from job in JobGen(1)
        from policy in PolicyGen
        select new Scenario(hosts, [job], new() { [job.Type] = policy }),
        s => Enumerable.Range(0, s.Hosts.Count).Where(_ => s.Hosts.Count > 1)
            .Select(i => s with { Hosts = [.. s.Hosts.Take(i), .. s.Hosts.Skip(i + 1)] }));
}
