using System.Collections.ObjectModel;

namespace Workers.Queue.Admission;

/// <summary>
/// Where an allocation request can go, over a working copy of the cloud's usage that <see cref="Claim"/> and
/// <see cref="Release"/> move, so that a pass sees its own earlier decisions. Today it answers the simplest form of
/// Placement's allocation candidates: a root provider (a host) whose own inventory satisfies the whole request, that
/// has every required trait and no forbidden one, and is in the requested aggregate. Nested trees, sharing providers
/// and granular groups extend this search; admission only calls <see cref="Find"/>, <see cref="Explain"/>,
/// <see cref="Claim"/> and <see cref="Release"/>.
/// </summary>
public sealed class CandidateSearch
{
    /// <summary>Sorted by name, then uuid: scans keep the first of equally good hosts, which makes that the tie rule.</summary>
    readonly ProviderSnapshot[] hosts;
    readonly Dictionary<Guid, int> hostIndex;
    readonly Dictionary<string, int> classIndex;
    readonly int classCount;
    /// <summary>Host-major: the slot of host h and class c is at h * classCount + c.</summary>
    readonly Slot[] slots;
    readonly Group unfiltered;
    readonly Dictionary<string, Group> groups = new(StringComparer.Ordinal);
    readonly List<Group> allGroups = [];
    readonly Dictionary<AllocationRequest, Compiled> compiled = new(ReferenceEqualityComparer.Instance);

    public CandidateSearch(CloudState cloud)
    {
        hosts = cloud.Providers.Where(p => p.ParentUuid is null)
            .OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Uuid).ToArray();
        hostIndex = hosts.Select((p, i) => (p.Uuid, i)).ToDictionary(x => x.Uuid, x => x.i);
        classIndex = hosts.SelectMany(p => p.Inventories.Keys).Distinct().Order(StringComparer.Ordinal)
            .Select((name, i) => (name, i)).ToDictionary(x => x.name, x => x.i, StringComparer.Ordinal);
        classCount = classIndex.Count;
        slots = new Slot[hosts.Length * classCount];
        for (var h = 0; h < hosts.Length; h++)
            foreach (var (name, inventory) in hosts[h].Inventories)
            {
                ref var slot = ref slots[h * classCount + classIndex[name]];
                slot.Present = true;
                slot.MinUnit = inventory.MinUnit;
                slot.MaxUnit = inventory.MaxUnit;
                slot.StepSize = inventory.StepSize;
                // Placement's capacity, computed as AllocationPlanner.Allocate computes it.
                slot.Capacity = (inventory.Total - inventory.Reserved) * inventory.AllocationRatio;
                slot.SetUsed(hosts[h].Usages.GetValueOrDefault(name));
            }
        unfiltered = NewGroup(Enumerable.Range(0, hosts.Length).ToArray(), "", hosts.Length == 0 ? "no host exists" : null);
    }

    /// <summary>
    /// The best candidate for <paramref name="request"/> now, or null if none fits. A host's load, for the classes the
    /// request names, is the smallest fraction of a class's capacity still free (before this request is added).
    /// <see cref="HostSelection.Spread"/> takes the host with the largest such fraction (least loaded),
    /// <see cref="HostSelection.Pack"/> the one with the smallest (most loaded); among equals, the first by host name
    /// (ordinal), then uuid. The same state and request always give the same answer.
    /// </summary>
    public Candidate? Find(AllocationRequest request, HostSelection selection)
    {
        var r = Compile(request);
        var g = r.Group;
        // Every host's free amount is at most the group's bound: an impossible request costs no scan.
        for (var i = 0; i < r.Classes.Length; i++)
            if (r.Classes[i] < 0 || r.Amounts[i] > g.MaxFree[r.Classes[i]])
                return null;

        var spread = selection == HostSelection.Spread;
        var best = -1;
        var bestFree = 0.0;
        foreach (var h in g.Hosts)
        {
            var row = h * classCount;
            var free = 1.0;
            var fits = true;
            for (var i = 0; i < r.Classes.Length; i++)
            {
                ref readonly var slot = ref slots[row + r.Classes[i]];
                if (!slot.Admits(r.Amounts[i]))
                {
                    fits = false;
                    break;
                }
                free = Math.Min(free, slot.FreeFraction);
            }
            if (fits && (best < 0 || (spread ? free > bestFree : free < bestFree)))
                (best, bestFree) = (h, free);
        }
        if (best >= 0)
            return new Candidate(hosts[best].Uuid, hosts[best].Name, [new ProviderResources(hosts[best].Uuid, r.Resources)]);

        // Nothing fits although the bounds allowed it: make them exact, so the next request like it is ruled out at once.
        foreach (var c in r.Classes)
            Tighten(g, c);
        return null;
    }

    /// <summary>
    /// Why <paramref name="request"/> has no candidate now (meant for when <see cref="Find"/> found none). The first
    /// problem in this order: no host passes the aggregate and trait filters; a class no such host has; an amount no
    /// such host's min_unit, max_unit and step_size allow; an amount larger than any such host has free (classes in
    /// ordinal order); the amounts together on no single host.
    /// </summary>
    public Shortfall Explain(AllocationRequest request)
    {
        var r = Compile(request);
        var g = r.Group;
        if (g.NoHost is { } none)
            return new(none, false);
        for (var i = 0; i < r.Classes.Length; i++)
        {
            var (name, c, amount) = (r.Names[i], r.Classes[i], r.Amounts[i]);
            if (c < 0 || g.MaxFree[c] < 0)
                return new($"no host{g.Scope} has {name} inventory", false);
            if (!Accepts(g, c, amount))
                return new($"no host{g.Scope} accepts {name} {amount} (min_unit, max_unit, step_size)", false);
        }
        for (var i = 0; i < r.Classes.Length; i++)
        {
            var c = r.Classes[i];
            if (!IsExact(g, c))
                Tighten(g, c);
            if (r.Amounts[i] > g.MaxFree[c])
                return new($"needs {r.Names[i]} {r.Amounts[i]} on one host{g.Scope}; largest free is {g.MaxFree[c]}", true);
        }
        var all = string.Join(", ", r.Names.Select((name, i) => $"{name} {r.Amounts[i]}"));
        return new($"needs {all} on one host{g.Scope}; no host has all of it free", true);
    }

    /// <summary>Takes a candidate this search just found: everything searched after sees the capacity gone.</summary>
    public void Claim(Candidate candidate)
    {
        foreach (var allocation in candidate.Allocations)
        {
            var row = hostIndex[allocation.ProviderUuid] * classCount;
            foreach (var (name, amount) in allocation.Resources)
            {
                ref var slot = ref slots[row + classIndex[name]];
                slot.SetUsed(slot.Used + amount);
            }
        }
    }

    /// <summary>Gives back a claimed candidate (a job whose later instance did not fit).</summary>
    public void Release(Candidate candidate)
    {
        foreach (var allocation in candidate.Allocations)
        {
            var h = hostIndex[allocation.ProviderUuid];
            foreach (var (name, amount) in allocation.Resources)
            {
                var c = classIndex[name];
                ref var slot = ref slots[h * classCount + c];
                slot.SetUsed(slot.Used - amount);
                // The bounds may have been tightened while the claim was held: they must stay above every host.
                foreach (var g in allGroups)
                    if (g.Member[h] && slot.Free > g.MaxFree[c])
                        (g.MaxFree[c], g.ArgMax[c]) = (slot.Free, h);
            }
        }
    }

    Compiled Compile(AllocationRequest request)
    {
        if (compiled.TryGetValue(request, out var known))
            return known;
        var wanted = new List<KeyValuePair<string, long>>(request.Resources.Count);
        foreach (var resource in request.Resources)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(resource.Value, $"{nameof(request)}.{nameof(request.Resources)}[{resource.Key}]");
            if (resource.Value > 0)
                wanted.Add(resource);
        }
        // Ordinal class order: reasons name the same class first whatever order the request was written in.
        wanted.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        var names = wanted.Select(w => w.Key).ToArray();
        var r = new Compiled(
            GroupOf(request),
            names.Select(n => classIndex.GetValueOrDefault(n, -1)).ToArray(),
            wanted.Select(w => w.Value).ToArray(),
            names,
            new ReadOnlyDictionary<string, long>(wanted.ToDictionary(w => w.Key, w => w.Value, StringComparer.Ordinal)));
        compiled[request] = r;
        return r;
    }

    /// <summary>The hosts that pass the request's aggregate and trait filters, shared by every request with the same ones.</summary>
    Group GroupOf(AllocationRequest request)
    {
        if (request.MemberOf is null && request.RequiredTraits.Count == 0 && request.ForbiddenTraits.Count == 0)
            return unfiltered;
        var required = request.RequiredTraits.Order(StringComparer.Ordinal).ToArray();
        var forbidden = request.ForbiddenTraits.Order(StringComparer.Ordinal).ToArray();
        var memberOf = request.MemberOf;
        // The label is part of the key because reasons quote it.
        var key = $"{memberOf?.Aggregate}\n{memberOf?.Label}\n{string.Join(',', required)}\n{string.Join(',', forbidden)}";
        if (groups.TryGetValue(key, out var known))
            return known;

        var scope = memberOf is null ? "" : $" in aggregate {memberOf.Label}";
        var inScope = Enumerable.Range(0, hosts.Length)
            .Where(h => memberOf is null || hosts[h].Aggregates.Contains(memberOf.Aggregate)).ToArray();
        var eligible = inScope
            .Where(h => required.All(hosts[h].Traits.Contains) && !forbidden.Any(hosts[h].Traits.Contains)).ToArray();
        string? noHost = null;
        if (eligible.Length == 0)
            noHost = hosts.Length == 0 ? "no host exists"
                : inScope.Length == 0 ? $"no host{scope}"
                : required.FirstOrDefault(t => !inScope.Any(h => hosts[h].Traits.Contains(t))) is { } missing
                    ? $"no host{scope} has trait {missing}"
                    : $"no host{scope} matches traits {string.Join(", ", required.Concat(forbidden.Select(t => "!" + t)))}";
        return groups[key] = NewGroup(eligible, scope, noHost);
    }

    Group NewGroup(int[] eligible, string scope, string? noHost)
    {
        var g = new Group(eligible, new bool[hosts.Length], new long[classCount], new int[classCount], scope, noHost);
        foreach (var h in eligible)
            g.Member[h] = true;
        for (var c = 0; c < classCount; c++)
            Tighten(g, c);
        allGroups.Add(g);
        return g;
    }

    /// <summary>Recomputes the group's bound for class c: the largest free amount among its hosts (-1: none has the class).</summary>
    void Tighten(Group g, int c)
    {
        var (max, at) = (-1L, -1);
        foreach (var h in g.Hosts)
        {
            ref readonly var slot = ref slots[h * classCount + c];
            if (slot.Present && slot.Free > max)
                (max, at) = (slot.Free, h);
        }
        (g.MaxFree[c], g.ArgMax[c]) = (max, at);
    }

    /// <summary>
    /// Claims only lower free amounts and releases raise the bound, so the bound stays at or above every host; it is
    /// exact while the host that set it still has that much free.
    /// </summary>
    bool IsExact(Group g, int c) => g.ArgMax[c] < 0 || slots[g.ArgMax[c] * classCount + c].Free == g.MaxFree[c];

    bool Accepts(Group g, int c, long amount)
    {
        if (g.Accepts.TryGetValue((c, amount), out var known))
            return known;
        var accepts = false;
        foreach (var h in g.Hosts)
            accepts |= slots[h * classCount + c].AcceptsUnits(amount);
        return g.Accepts[(c, amount)] = accepts;
    }

    struct Slot
    {
        public bool Present;
        public int MinUnit;
        public int MaxUnit;
        public int StepSize;
        public double Capacity;
        public long Used;
        /// <summary>The largest amount for which Placement's check, used + amount &lt;= capacity, holds (at least 0).</summary>
        public long Free;
        /// <summary>(capacity - used) / capacity: the host's load in this class, as Spread and Pack compare it.</summary>
        public double FreeFraction;

        public void SetUsed(long used)
        {
            Used = used;
            Free = FreeOf(Capacity, used);
            FreeFraction = Capacity > 0 ? (Capacity - used) / Capacity : 0;
        }

        /// <summary>Placement's unit limits. A step of zero, which Placement never stores, admits nothing.</summary>
        public readonly bool AcceptsUnits(long amount) =>
            Present && amount >= MinUnit && amount <= MaxUnit && StepSize > 0 && amount % StepSize == 0;

        public readonly bool Admits(long amount) => amount <= Free && AcceptsUnits(amount);

        /// <summary>
        /// Computed through Placement's own comparison in double arithmetic (used + amount &lt;= capacity), so that
        /// amount &lt;= Free is exactly that comparison: a subtraction in doubles could round across an integer.
        /// </summary>
        static long FreeOf(double capacity, long used)
        {
            if (!(used <= capacity))
                return 0;
            var free = (long)Math.Floor(capacity - used);
            while (free > 0 && used + free > capacity)
                free--;
            while (used + free + 1 <= capacity)
                free++;
            return free;
        }
    }

    /// <summary>A request in the search's terms: class indexes (-1: no host has the class) in ordinal name order.</summary>
    sealed record Compiled(Group Group, int[] Classes, long[] Amounts, string[] Names, IReadOnlyDictionary<string, long> Resources);

    /// <summary>
    /// The hosts that pass one combination of aggregate and traits, with an upper bound per class of their free
    /// amounts (and the host that set it), so requests no host can take are refused without a scan.
    /// </summary>
    sealed class Group(int[] hosts, bool[] member, long[] maxFree, int[] argMax, string scope, string? noHost)
    {
        public int[] Hosts { get; } = hosts;
        public bool[] Member { get; } = member;
        public long[] MaxFree { get; } = maxFree;
        public int[] ArgMax { get; } = argMax;
        /// <summary>" in aggregate &lt;label&gt;" or empty: where the reasons say the hosts were looked for.</summary>
        public string Scope { get; } = scope;
        /// <summary>Why no host qualifies, when none does.</summary>
        public string? NoHost { get; } = noHost;
        /// <summary>Whether any host's unit limits allow an amount of a class: fixed for the pass.</summary>
        public Dictionary<(int Class, long Amount), bool> Accepts { get; } = [];
    }
}
