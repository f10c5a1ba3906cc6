using Workers.Queue.Admission;

namespace Tests.Queue.Admission;

/// <summary>
/// Plain, slow answers to "does this fit" and "which host", written from Placement's rules and the admission spec
/// rather than from the planner, for the properties to compare against.
/// </summary>
static class Oracle
{
    public static bool Eligible(ProviderSnapshot host, AllocationRequest request) =>
        host.ParentUuid is null
        && (request.MemberOf is null || host.Aggregates.Contains(request.MemberOf.Aggregate))
        && request.RequiredTraits.IsSubsetOf(host.Traits)
        && !request.ForbiddenTraits.Overlaps(host.Traits);

    static double Capacity(ProviderSnapshot host, string resourceClass)
    {
        var inventory = host.Inventories[resourceClass];
        return (inventory.Total - inventory.Reserved) * inventory.AllocationRatio;
    }

    /// <summary>How many copies of <paramref name="request"/> the host takes at once, counting no further than <paramref name="limit"/>.</summary>
    public static int Copies(ProviderSnapshot host, AllocationRequest request, int limit)
    {
        if (!Eligible(host, request))
            return 0;
        var copies = limit;
        foreach (var (resourceClass, amount) in request.Resources.Where(r => r.Value > 0))
        {
            if (!host.Inventories.TryGetValue(resourceClass, out var inventory)
                || amount < inventory.MinUnit || amount > inventory.MaxUnit || amount % inventory.StepSize != 0)
                return 0;
            var used = host.Usages.GetValueOrDefault(resourceClass);
            var capacity = Capacity(host, resourceClass);
            var k = 0;
            while (k < copies && used + (k + 1) * amount <= capacity)
                k++;
            copies = k;
        }
        return copies;
    }

    /// <summary>How many copies of the request the hosts take together, counting no further than <paramref name="limit"/>.</summary>
    public static int CopiesFitting(IEnumerable<ProviderSnapshot> hosts, AllocationRequest request, int limit) =>
        Math.Min(limit, hosts.Sum(h => Copies(h, request, limit)));

    /// <summary>
    /// The host an instance goes to in an otherwise idle pass: among the hosts it fits, the one whose fullest
    /// requested class has the most (spread) or the least (pack) of its capacity free; the first by name, then uuid,
    /// among equals. Null when it fits nowhere.
    /// </summary>
    public static ProviderSnapshot? Choose(IEnumerable<ProviderSnapshot> hosts, AllocationRequest request, HostSelection selection)
    {
        var fitting = hosts.Where(h => Copies(h, request, 1) == 1)
            .OrderBy(h => h.Name, StringComparer.Ordinal).ThenBy(h => h.Uuid)
            .Select(h => (Host: h, Free: FreeFraction(h, request))).ToList();
        if (fitting.Count == 0)
            return null;
        var best = selection == HostSelection.Spread ? fitting.Max(f => f.Free) : fitting.Min(f => f.Free);
        return fitting.First(f => f.Free == best).Host;
    }

    static double FreeFraction(ProviderSnapshot host, AllocationRequest request)
    {
        var free = 1.0;
        foreach (var resourceClass in request.Resources.Where(r => r.Value > 0).Select(r => r.Key))
        {
            var capacity = Capacity(host, resourceClass);
            var used = host.Usages.GetValueOrDefault(resourceClass);
            free = Math.Min(free, capacity > 0 ? (capacity - used) / capacity : 0);
        }
        return free;
    }

    /// <summary>The hosts with every admitted claim of the plan added to their usages.</summary>
    public static List<ProviderSnapshot> After(IEnumerable<ProviderSnapshot> hosts, AdmissionPlan plan)
    {
        var claims = plan.Admitted.SelectMany(a => a.Instances).SelectMany(c => c.Allocations)
            .SelectMany(a => a.Resources.Select(r => (a.ProviderUuid, r.Key, r.Value)))
            .ToLookup(x => x.ProviderUuid);
        return hosts.Select(h =>
        {
            var usages = new Dictionary<string, long>(h.Usages);
            foreach (var (_, resourceClass, amount) in claims[h.Uuid])
                usages[resourceClass] = usages.GetValueOrDefault(resourceClass) + amount;
            return h with { Usages = usages };
        }).ToList();
    }
}
