using System.Collections.ObjectModel;
using System.Numerics;

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
    /// <summary>
    /// Class-major, what every scan reads: the free amount and the free fraction of host h in class c are at
    /// c * hosts.Length + h, so a scan walks them in order. A host without the class has 0 in both. After the last
    /// class, one more row that no request can exhaust (free long.MaxValue, fraction 1): <see cref="ScanFree"/> pads
    /// a request of fewer than <see cref="Lanes"/> classes with it.
    /// </summary>
    readonly long[] free;
    readonly double[] freeFraction;

    /// <summary>How many classes <see cref="ScanFree"/> checks per host in one unrolled step.</summary>
    const int Lanes = 3;
    readonly Group unfiltered;
    /// <summary>By aggregate, its label (reasons quote it) and the required and forbidden traits (<see cref="Joined"/>).</summary>
    readonly Dictionary<(Guid? Aggregate, string? Label, string Required, string Forbidden), Group> groups = [];
    readonly List<Group> allGroups = [];
    /// <summary>
    /// The request compiled last: a job's instances mostly share one request, and an explanation follows a search.
    /// (A cache of every request would grow with the queue and end on the large object heap.)
    /// </summary>
    (AllocationRequest Request, Compiled Compiled)? lastCompiled;
    /// <summary>Host sets (<see cref="HostSet"/>) read from the snapshot when first asked for: fixed for the pass.</summary>
    readonly Dictionary<string, ulong[]> withTrait = new(StringComparer.Ordinal);
    readonly Dictionary<Guid, ulong[]> inAggregate = [];
    readonly Dictionary<(int Class, long Amount), ulong[]> acceptingUnits = [];
    /// <summary>By class: the hosts that have it.</summary>
    readonly ulong[][] withClass;

    public CandidateSearch(CloudState cloud)
    {
        hosts = cloud.Providers.Where(p => p.ParentUuid is null)
            .OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Uuid).ToArray();
        hostIndex = hosts.Select((p, i) => (p.Uuid, i)).ToDictionary(x => x.Uuid, x => x.i);
        classIndex = hosts.SelectMany(p => p.Inventories.Keys).Distinct().Order(StringComparer.Ordinal)
            .Select((name, i) => (name, i)).ToDictionary(x => x.name, x => x.i, StringComparer.Ordinal);
        classCount = classIndex.Count;
        slots = new Slot[hosts.Length * classCount];
        free = new long[hosts.Length * (classCount + 1)];
        freeFraction = new double[hosts.Length * (classCount + 1)];
        free.AsSpan(hosts.Length * classCount).Fill(long.MaxValue);
        freeFraction.AsSpan(hosts.Length * classCount).Fill(1.0);
        for (var h = 0; h < hosts.Length; h++)
            foreach (var (name, inventory) in hosts[h].Inventories)
            {
                var c = classIndex[name];
                ref var slot = ref slots[h * classCount + c];
                slot.Present = true;
                slot.MinUnit = inventory.MinUnit;
                slot.MaxUnit = inventory.MaxUnit;
                slot.StepSize = inventory.StepSize;
                // Placement's capacity, computed as AllocationPlanner.Allocate computes it.
                slot.Capacity = (inventory.Total - inventory.Reserved) * inventory.AllocationRatio;
                SetUsed(h, c, hosts[h].Usages.GetValueOrDefault(name));
            }
        withClass = Enumerable.Range(0, classCount).Select(c => HostsWhere(h => slots[h * classCount + c].Present)).ToArray();
        unfiltered = NewGroup(HostsWhere(_ => true), "", hosts.Length == 0 ? "no host exists" : null);
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
        var best = r.UnitsAgree && r.Offsets.Length <= Lanes && g.Dense ? ScanFree(g, r, spread) : ScanChecked(g, r, spread);
        if (best >= 0)
            return new Candidate(hosts[best].Uuid, hosts[best].Name, [new ProviderResources(hosts[best].Uuid, r.Resources)]);

        // Nothing fits although the bounds allowed it: make them exact, so the next request like it is ruled out at once.
        foreach (var c in r.Classes)
            Tighten(g, c);
        return null;
    }

    /// <summary>
    /// The best host for a request of at most <see cref="Lanes"/> classes that every host of its group with those
    /// classes accepts by unit limits: fitting is then only free amounts (a host without a class has none of it
    /// free). Walks every host, several at a time (<see cref="Vector{T}"/>), with the group's mask, so it pays for
    /// groups that hold a good share of the hosts. The request is padded to <see cref="Lanes"/> classes with the row
    /// no amount exhausts. Same answer as <see cref="ScanChecked"/>. -1 if none fits.
    /// </summary>
    int ScanFree(Group g, Compiled r, bool spread)
    {
        var n = hosts.Length;
        var pad = classCount * n;
        int Lane(int i) => i < r.Offsets.Length ? r.Offsets[i] : pad;
        long Amount(int i) => i < r.Amounts.Length ? r.Amounts[i] : 0;
        ReadOnlySpan<long> free0 = free.AsSpan(Lane(0), n), free1 = free.AsSpan(Lane(1), n), free2 = free.AsSpan(Lane(2), n);
        ReadOnlySpan<double> fraction0 = freeFraction.AsSpan(Lane(0), n), fraction1 = freeFraction.AsSpan(Lane(1), n),
            fraction2 = freeFraction.AsSpan(Lane(2), n);
        var (amount0, amount1, amount2) = (Amount(0), Amount(1), Amount(2));
        ReadOnlySpan<long> member = g.Mask;
        bool Better(double hostFree, double bestFree) => spread ? hostFree > bestFree : hostFree < bestFree;

        // Each lane keeps the first host (lowest index) with its best fraction among the hosts it saw. A fitting host's
        // fraction lies in [0, 1], so the start value is worse than any.
        var width = Vector<long>.Count;
        var (need0, need1, need2) = (new Vector<long>(amount0), new Vector<long>(amount1), new Vector<long>(amount2));
        var laneBest = new Vector<double>(spread ? -1.0 : 2.0);
        var laneAt = new Vector<long>(-1);
        var index = Vector<long>.Indices;
        var h = 0;
        for (; h <= n - width; h += width)
        {
            var fits = Vector.GreaterThanOrEqual(new Vector<long>(free0[h..]), need0)
                       & Vector.GreaterThanOrEqual(new Vector<long>(free1[h..]), need1)
                       & Vector.GreaterThanOrEqual(new Vector<long>(free2[h..]), need2)
                       & new Vector<long>(member[h..]);
            var hostFree = Vector.Min(Vector.Min(Vector<double>.One, new Vector<double>(fraction0[h..])),
                Vector.Min(new Vector<double>(fraction1[h..]), new Vector<double>(fraction2[h..])));
            var better = fits & (spread ? Vector.GreaterThan(hostFree, laneBest) : Vector.LessThan(hostFree, laneBest));
            laneBest = Vector.ConditionalSelect(better, hostFree, laneBest);
            laneAt = Vector.ConditionalSelect(better, index, laneAt);
            index += new Vector<long>(width);
        }
        var best = -1;
        var bestFree = 0.0;
        for (var lane = 0; lane < width; lane++)
        {
            var at = (int)laneAt[lane];
            if (at >= 0 && (best < 0 || Better(laneBest[lane], bestFree) || (laneBest[lane] == bestFree && at < best)))
                (best, bestFree) = (at, laneBest[lane]);
        }
        // The hosts after the last full step come after every host seen: only a strictly better one wins.
        for (; h < n; h++)
        {
            if (member[h] == 0 || free0[h] < amount0 || free1[h] < amount1 || free2[h] < amount2)
                continue;
            var hostFree = Math.Min(1.0, Math.Min(fraction0[h], Math.Min(fraction1[h], fraction2[h])));
            if (best < 0 || Better(hostFree, bestFree))
                (best, bestFree) = (h, hostFree);
        }
        return best;
    }

    /// <summary>
    /// The best host for any request: walks the group's hosts one by one, checking free amounts and unit limits. A
    /// host's load is the smallest free fraction among the requested classes; spread keeps the first host with the
    /// largest, pack the first with the smallest. -1 if none fits.
    /// </summary>
    int ScanChecked(Group g, Compiled r, bool spread)
    {
        var best = -1;
        var bestFree = 0.0;
        foreach (var h in g.Hosts)
        {
            var row = h * classCount;
            var hostFree = 1.0;
            var fits = true;
            for (var i = 0; i < r.Classes.Length; i++)
            {
                var at = r.Offsets[i] + h;
                if (free[at] < r.Amounts[i] || !slots[row + r.Classes[i]].AcceptsUnits(r.Amounts[i]))
                {
                    fits = false;
                    break;
                }
                hostFree = Math.Min(hostFree, freeFraction[at]);
            }
            if (fits && (best < 0 || (spread ? hostFree > bestFree : hostFree < bestFree)))
                (best, bestFree) = (h, hostFree);
        }
        return best;
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
            if (!UnitsFor(g, c, amount).Any)
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
            var h = hostIndex[allocation.ProviderUuid];
            foreach (var (name, amount) in allocation.Resources)
            {
                var c = classIndex[name];
                SetUsed(h, c, slots[h * classCount + c].Used + amount);
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
                SetUsed(h, c, slots[h * classCount + c].Used - amount);
                // The bounds may have been tightened while the claim was held: they must stay above every host.
                var hostFree = free[c * hosts.Length + h];
                foreach (var g in allGroups)
                    if (HostSet.Contains(g.Members, h) && hostFree > g.MaxFree[c])
                        (g.MaxFree[c], g.ArgMax[c]) = (hostFree, h);
            }
        }
    }

    Compiled Compile(AllocationRequest request)
    {
        if (lastCompiled is var (last, known) && ReferenceEquals(last, request))
            return known;
        var wanted = new List<KeyValuePair<string, long>>(request.Resources.Count);
        foreach (var resource in request.Resources)
        {
            if (resource.Value < 0)
                throw new ArgumentOutOfRangeException($"{nameof(request)}.{nameof(request.Resources)}[{resource.Key}]",
                    resource.Value, "A requested amount must not be negative.");
            if (resource.Value > 0)
                wanted.Add(resource);
        }
        // Ordinal class order: reasons name the same class first whatever order the request was written in.
        wanted.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        var group = GroupOf(request);
        var (names, classes, offsets, amounts) = (new string[wanted.Count], new int[wanted.Count], new int[wanted.Count], new long[wanted.Count]);
        var resources = new Dictionary<string, long>(wanted.Count, StringComparer.Ordinal);
        var unitsAgree = true;
        for (var i = 0; i < wanted.Count; i++)
        {
            (names[i], amounts[i]) = (wanted[i].Key, wanted[i].Value);
            classes[i] = classIndex.GetValueOrDefault(names[i], -1);
            offsets[i] = classes[i] * hosts.Length;
            resources[names[i]] = amounts[i];
            unitsAgree &= classes[i] >= 0 && UnitsFor(group, classes[i], amounts[i]).All;
        }
        var r = new Compiled(group, classes, offsets, amounts, names, new ReadOnlyDictionary<string, long>(resources), unitsAgree);
        lastCompiled = (request, r);
        return r;
    }

    /// <summary>The hosts that pass the request's aggregate and trait filters, shared by every request with the same ones.</summary>
    Group GroupOf(AllocationRequest request)
    {
        var (memberOf, required, forbidden) = (request.MemberOf, request.RequiredTraits, request.ForbiddenTraits);
        if (memberOf is null && required.Count == 0 && forbidden.Count == 0)
            return unfiltered;
        var key = (memberOf?.Aggregate, memberOf?.Label, Joined(required), Joined(forbidden));
        if (groups.TryGetValue(key, out var known))
            return known;

        var scope = memberOf is null ? "" : $" in aggregate {memberOf.Label}";
        var inScope = memberOf is null ? unfiltered.Members : InAggregate(memberOf.Aggregate);
        var eligible = (ulong[])inScope.Clone();
        foreach (var trait in required)
            HostSet.Keep(eligible, WithTrait(trait));
        foreach (var trait in forbidden)
            HostSet.Remove(eligible, WithTrait(trait));
        string? noHost = null;
        if (HostSet.IsEmpty(eligible))
        {
            var ordered = required.Order(StringComparer.Ordinal).ToArray();
            noHost = hosts.Length == 0 ? "no host exists"
                : HostSet.IsEmpty(inScope) ? $"no host{scope}"
                : ordered.FirstOrDefault(t => !HostSet.Overlaps(inScope, WithTrait(t))) is { } missing
                    ? $"no host{scope} has trait {missing}"
                    : $"no host{scope} matches traits {string.Join(", ", ordered.Concat(forbidden.Order(StringComparer.Ordinal).Select(t => "!" + t)))}";
        }
        return groups[key] = NewGroup(eligible, scope, noHost);
    }

    /// <summary>Traits in ordinal order, comma-separated: the same set always gives the same text.</summary>
    static string Joined(IReadOnlySet<string> traits)
    {
        if (traits.Count > 1)
            return string.Join(',', traits.Order(StringComparer.Ordinal));
        foreach (var trait in traits)
            return trait;
        return "";
    }

    Group NewGroup(ulong[] members, string scope, string? noHost)
    {
        var g = new Group(members, hosts.Length, classCount, scope, noHost);
        for (var c = 0; c < classCount; c++)
            Tighten(g, c);
        allGroups.Add(g);
        return g;
    }

    ulong[] HostsWhere(Func<int, bool> test)
    {
        var set = HostSet.Empty(hosts.Length);
        for (var h = 0; h < hosts.Length; h++)
            if (test(h))
                HostSet.Add(set, h);
        return set;
    }

    ulong[] WithTrait(string trait) =>
        withTrait.TryGetValue(trait, out var set) ? set : withTrait[trait] = HostsWhere(h => hosts[h].Traits.Contains(trait));

    ulong[] InAggregate(Guid aggregate) =>
        inAggregate.TryGetValue(aggregate, out var set) ? set : inAggregate[aggregate] = HostsWhere(h => hosts[h].Aggregates.Contains(aggregate));

    /// <summary>Recomputes the group's bound for class c: the largest free amount among its hosts (-1: none has the class).</summary>
    void Tighten(Group g, int c)
    {
        var (max, at) = (-1L, -1);
        var row = c * hosts.Length;
        foreach (var h in g.Hosts)
            if (free[row + h] > max && slots[h * classCount + c].Present)
                (max, at) = (free[row + h], h);
        (g.MaxFree[c], g.ArgMax[c]) = (max, at);
    }

    /// <summary>
    /// Claims only lower free amounts and releases raise the bound, so the bound stays at or above every host; it is
    /// exact while the host that set it still has that much free.
    /// </summary>
    bool IsExact(Group g, int c) => g.ArgMax[c] < 0 || free[c * hosts.Length + g.ArgMax[c]] == g.MaxFree[c];

    /// <summary>Whether any host of the group, and whether every one of them that has class c, accepts the amount by unit limits.</summary>
    (bool Any, bool All) UnitsFor(Group g, int c, long amount)
    {
        if (!acceptingUnits.TryGetValue((c, amount), out var accepting))
            acceptingUnits[(c, amount)] = accepting = HostsWhere(h => slots[h * classCount + c].AcceptsUnits(amount));
        return (HostSet.Overlaps(g.Members, accepting), !HostSet.OverlapsExcept(g.Members, withClass[c], accepting));
    }

    void SetUsed(int h, int c, long used)
    {
        ref var slot = ref slots[h * classCount + c];
        slot.Used = used;
        free[c * hosts.Length + h] = Slot.FreeOf(slot.Capacity, used);
        freeFraction[c * hosts.Length + h] = slot.Capacity > 0 ? (slot.Capacity - used) / slot.Capacity : 0;
    }

    /// <summary>One class of one host: its unit limits, capacity and usage (the free amounts are in the class-major arrays).</summary>
    struct Slot
    {
        public bool Present;
        public int MinUnit;
        public int MaxUnit;
        public int StepSize;
        public double Capacity;
        public long Used;

        /// <summary>Placement's unit limits. A step of zero, which Placement never stores, admits nothing.</summary>
        public readonly bool AcceptsUnits(long amount) =>
            Present && amount >= MinUnit && amount <= MaxUnit && StepSize > 0 && (StepSize == 1 || amount % StepSize == 0);

        /// <summary>
        /// The largest amount for which Placement's check, used + amount &lt;= capacity, holds (at least 0). Computed
        /// through that comparison in double arithmetic, so that amount &lt;= free is exactly it: a subtraction in
        /// doubles could round across an integer.
        /// </summary>
        public static long FreeOf(double capacity, long used)
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

    /// <summary>
    /// A request in the search's terms: class indexes (-1: no host has the class) in ordinal name order, each class's
    /// start in the class-major arrays, and whether the group's hosts all agree to its amounts by unit limits.
    /// </summary>
    sealed record Compiled(Group Group, int[] Classes, int[] Offsets, long[] Amounts, string[] Names,
        IReadOnlyDictionary<string, long> Resources, bool UnitsAgree);

    /// <summary>
    /// The hosts that pass one combination of aggregate and traits, with an upper bound per class of their free
    /// amounts (and the host that set it), so requests no host can take are refused without a scan.
    /// </summary>
    sealed class Group(ulong[] members, int hostCount, int classCount, string scope, string? noHost)
    {
        public ulong[] Members { get; } = members;
        /// <summary>The members in host order.</summary>
        public int[] Hosts { get; } = HostSet.Hosts(members, hostCount);
        /// <summary>By host: all bits set for a member, 0 otherwise (<see cref="ScanFree"/> ands it in).</summary>
        public long[] Mask { get; } = HostSet.Mask(members, hostCount);
        /// <summary>
        /// Holds at least an eighth of the cloud's hosts: walking every host several at a time then costs less than
        /// walking its own hosts one at a time.
        /// </summary>
        public bool Dense => Hosts.Length * 8 >= Mask.Length;
        public long[] MaxFree { get; } = new long[classCount];
        public int[] ArgMax { get; } = new int[classCount];
        /// <summary>" in aggregate &lt;label&gt;" or empty: where the reasons say the hosts were looked for.</summary>
        public string Scope { get; } = scope;
        /// <summary>Why no host qualifies, when none does.</summary>
        public string? NoHost { get; } = noHost;
    }

    /// <summary>A set of hosts as bits: host h is bit h % 64 of word h / 64. Filters combine word by word.</summary>
    static class HostSet
    {
        public static ulong[] Empty(int hostCount) => new ulong[(hostCount + 63) / 64];

        public static void Add(ulong[] set, int h) => set[h >> 6] |= 1UL << h;

        public static bool Contains(ulong[] set, int h) => (set[h >> 6] & (1UL << h)) != 0;

        public static bool IsEmpty(ulong[] set) => Array.TrueForAll(set, word => word == 0);

        public static bool Overlaps(ulong[] a, ulong[] b)
        {
            for (var w = 0; w < a.Length; w++)
                if ((a[w] & b[w]) != 0)
                    return true;
            return false;
        }

        /// <summary>Whether some host is in both <paramref name="a"/> and <paramref name="b"/> but not in <paramref name="except"/>.</summary>
        public static bool OverlapsExcept(ulong[] a, ulong[] b, ulong[] except)
        {
            for (var w = 0; w < a.Length; w++)
                if ((a[w] & b[w] & ~except[w]) != 0)
                    return true;
            return false;
        }

        /// <summary>Keeps in <paramref name="set"/> only the hosts also in <paramref name="other"/>.</summary>
        public static void Keep(ulong[] set, ulong[] other)
        {
            for (var w = 0; w < set.Length; w++)
                set[w] &= other[w];
        }

        public static void Remove(ulong[] set, ulong[] other)
        {
            for (var w = 0; w < set.Length; w++)
                set[w] &= ~other[w];
        }

        /// <summary>The hosts in the set, in host order.</summary>
        public static int[] Hosts(ulong[] set, int hostCount) => Enumerable.Range(0, hostCount).Where(h => Contains(set, h)).ToArray();

        public static long[] Mask(ulong[] set, int hostCount)
        {
            var mask = new long[hostCount];
            for (var h = 0; h < hostCount; h++)
                mask[h] = Contains(set, h) ? -1 : 0;
            return mask;
        }
    }
}
