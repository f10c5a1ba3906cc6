using Workers.Placement;
using Workers.Queue.Admission;

namespace AdmissionBench;

/// <summary>
/// The synthetic cloud and queue the benchmark plans over. The same seed gives the same workload, so runs on
/// different commits plan over identical input.
/// </summary>
public static class Workload
{
    public static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Three types, one per combination worth timing: strict and pack, backfill that never stops and
    /// spreads, backfill with a short bound and pack.</summary>
    public static Dictionary<string, QueuePolicy> Policies() => new()
    {
        ["batch"] = new(AdmissionOrder.Strict, TimeSpan.Zero, HostSelection.Pack),
        ["web"] = new(AdmissionOrder.Backfill, TimeSpan.FromHours(12), HostSelection.Spread),
        ["analytics"] = new(AdmissionOrder.Backfill, TimeSpan.FromMinutes(20), HostSelection.Pack),
    };

    static readonly string[] Racks = Enumerable.Range(1, 10).Select(i => $"rack-{i:D2}").ToArray();

    /// <summary>VCPU, MEMORY_MB and DISK_GB of the flavors jobs ask for, and how many jobs in a hundred use each.</summary>
    static readonly (long Vcpu, long MemoryMb, long DiskGb, int Percent)[] Flavors =
    [
        (1, 1024, 10, 50),
        (4, 4096, 40, 30),
        (8, 16384, 80, 15),
        (16, 65536, 160, 5),
    ];

    static Guid UuidFrom(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes);
    }

    static readonly Dictionary<string, Guid> RackUuids =
        Racks.Select((r, i) => (r, UuidFrom(new Random(1000 + i)))).ToDictionary(x => x.r, x => x.Item2);

    /// <summary>
    /// <paramref name="hostCount"/> hosts of 64 VCPU (ratio 4), 256 GiB of memory (4 GiB reserved) and 2 TB of disk,
    /// each in one of 10 rack aggregates, with a few traits; each host's classes are used to a fraction drawn between
    /// <paramref name="fillFrom"/> and <paramref name="fillTo"/>.
    /// </summary>
    public static CloudState Cloud(int hostCount, double fillFrom, double fillTo, int seed)
    {
        var random = new Random(seed);
        var inventories = new Dictionary<string, AllocationPlanner.Inventory>
        {
            ["VCPU"] = new(64, 0, 1, 64, 1, 4.0),
            ["MEMORY_MB"] = new(262144, 4096, 1, 262144, 1, 1.0),
            ["DISK_GB"] = new(2048, 0, 1, 2048, 1, 1.0),
        };
        var hosts = new List<ProviderSnapshot>(hostCount);
        for (var i = 0; i < hostCount; i++)
        {
            var usages = new Dictionary<string, long>();
            var fill = fillFrom + random.NextDouble() * (fillTo - fillFrom);
            foreach (var (name, inventory) in inventories)
            {
                var capacity = (inventory.Total - inventory.Reserved) * inventory.AllocationRatio;
                // Each class a little off the host's fill, as real hosts are never used evenly.
                var used = Math.Clamp(fill + (random.NextDouble() - 0.5) * 0.04, fillFrom, fillTo);
                usages[name] = (long)Math.Floor(capacity * used);
            }
            var traits = new HashSet<string>();
            if (random.NextDouble() < 0.9) traits.Add("HW_CPU_X86_AVX2");
            if (random.NextDouble() < 0.4) traits.Add("CUSTOM_SSD");
            if (random.NextDouble() < 0.05) traits.Add("CUSTOM_GPU_A100");
            if (random.NextDouble() < 0.01) traits.Add("COMPUTE_STATUS_DISABLED");
            hosts.Add(new ProviderSnapshot(UuidFrom(random), $"compute-{i:D4}", inventories, usages)
            {
                Traits = traits,
                Aggregates = new HashSet<Guid> { RackUuids[Racks[i % Racks.Length]] },
            });
        }
        return new CloudState(hosts);
    }

    /// <summary>
    /// <paramref name="jobCount"/> jobs of 1 to 3 instances (one request shared by a job's instances), in random
    /// order: 40% batch, 40% web, 20% analytics; priorities 0 to 9; queued up to three hours ago; a fifth pinned to a
    /// rack, a tenth needing an SSD, one in fifty a GPU host, 30% refusing disabled hosts, one in ten booting from a
    /// volume (no disk).
    /// </summary>
    public static List<QueuedJob> Queue(int jobCount, int seed)
    {
        var random = new Random(seed);
        var jobs = new List<QueuedJob>(jobCount);
        for (var id = 1; id <= jobCount; id++)
        {
            var roll = random.Next(100);
            var flavor = Flavors[0];
            foreach (var f in Flavors)
            {
                flavor = f;
                if ((roll -= f.Percent) < 0)
                    break;
            }
            var resources = new Dictionary<string, long>
            {
                ["VCPU"] = flavor.Vcpu,
                ["MEMORY_MB"] = flavor.MemoryMb,
                ["DISK_GB"] = random.NextDouble() < 0.1 ? 0 : flavor.DiskGb,
            };
            var required = new HashSet<string>();
            if (random.NextDouble() < 0.1) required.Add("CUSTOM_SSD");
            if (random.NextDouble() < 0.02) required.Add("CUSTOM_GPU_A100");
            var forbidden = new HashSet<string>();
            if (random.NextDouble() < 0.3) forbidden.Add("COMPUTE_STATUS_DISABLED");
            MemberOf? memberOf = null;
            if (random.NextDouble() < 0.2)
            {
                var rack = Racks[random.Next(Racks.Length)];
                memberOf = new MemberOf(RackUuids[rack], rack);
            }
            var request = new AllocationRequest(resources) { RequiredTraits = required, ForbiddenTraits = forbidden, MemberOf = memberOf };
            var type = random.Next(5) switch { 0 or 1 => "batch", 2 or 3 => "web", _ => "analytics" };
            var instances = Enumerable.Repeat(request, 1 + random.Next(3)).ToArray();
            jobs.Add(new QueuedJob(id, type, random.Next(10), Now.AddMinutes(-random.Next(180)), instances, $"job-{id}"));
        }
        // The planner sorts: hand it the queue unsorted, as a store need not return it in order.
        return jobs.OrderBy(_ => random.Next()).ToList();
    }
}
