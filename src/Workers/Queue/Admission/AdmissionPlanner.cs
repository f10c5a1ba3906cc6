namespace Workers.Queue.Admission;

/// <summary>
/// Which queued jobs to admit now and where, as plain code over a snapshot (no database, no bus, no clock: the time is
/// an input). Jobs are considered once each, in ascending priority then id, across all types; a job is admitted when
/// every one of its instances finds a candidate at once, and what it claims is seen by every job after it.
/// </summary>
public static class AdmissionPlanner
{
    /// <param name="policies">By job type; a type missing here gets <see cref="QueuePolicy.Default"/>.</param>
    /// <param name="now">Measures how long each type's head job has waited, for the backfill bound.</param>
    /// <param name="readUpTo">Types whose queued jobs were given only up to a point: the last job given of each. Their
    /// later jobs, unseen, come before some of the jobs given, so the plan stops at the first job past such a point
    /// while that type still admits (is not blocked): from there on every job waits for the next pass, and the plan
    /// says it was cut. Up to that job it is exactly the plan the whole queue would give.</param>
    public static AdmissionPlan Plan(IEnumerable<QueuedJob> jobs, CloudState cloud, IReadOnlyDictionary<string, QueuePolicy> policies,
        DateTimeOffset now, IReadOnlyDictionary<string, QueuedJob>? readUpTo = null)
    {
        var search = new CandidateSearch(cloud);
        var types = new Dictionary<string, TypeState>(StringComparer.Ordinal);
        var admitted = new List<AdmittedJob>();
        var waiting = new List<WaitingJob>();
        var ordered = InOrder(jobs);
        admitted.Capacity = waiting.Capacity = ordered.Length;
        var ends = readUpTo?.ToArray() ?? [];
        var cut = false;
        foreach (var job in ordered)
        {
            foreach (var (endType, end) in ends)
                cut = cut || Compare(job, end) > 0 && !(types.TryGetValue(endType, out var state) && state.Blocked is not null);
            if (cut)
            {
                waiting.Add(new(job, NextPass));
                continue;
            }
            if (!types.TryGetValue(job.Type, out var type))
                types[job.Type] = type = new TypeState(policies.GetValueOrDefault(job.Type) ?? QueuePolicy.Default);
            // A blocked type is not searched at all: its jobs wait whatever they would fit.
            if (type.Blocked is { } blocked)
            {
                waiting.Add(new(job, blocked));
                continue;
            }
            var placed = new Candidate[job.Instances.Count];
            if (Place(job, placed, search, type.Policy.Placement) is not { } reason)
            {
                admitted.Add(new(job, placed));
                continue;
            }
            waiting.Add(new(job, reason));
            if (type.HeadWaits)
                continue;
            // The first of its type that does not fit is the type's head from now on in this pass. The reason the jobs
            // behind it get does not name it: the head changes with nearly every pass, and the reasons of thousands of
            // waiting jobs would have to be rewritten each time (Position says how many are ahead).
            type.HeadWaits = true;
            if (type.Policy.Order == AdmissionOrder.Strict)
                type.Blocked = "waiting for the jobs ahead of it (strict order)";
            else if (now - job.QueuedSince > type.Policy.BackfillMaxHeadWait)
                type.Blocked = "waiting for the jobs ahead of it (the queue's head has waited past the backfill bound)";
        }
        // A type still admitting at its last job given may admit its unseen ones too.
        cut = cut || ends.Any(end => types[end.Key].Blocked is null);
        return new(admitted, waiting, cut);
    }

    public const string NextPass = "waiting for the next admission pass";

    static int Compare(QueuedJob x, QueuedJob y) => x.Priority != y.Priority ? x.Priority.CompareTo(y.Priority) : x.Id.CompareTo(y.Id);

    /// <summary>Ascending priority, then id; jobs equal in both keep their input order.</summary>
    static QueuedJob[] InOrder(IEnumerable<QueuedJob> jobs)
    {
        var given = jobs.ToArray();
        // Sorting positions keeps every array of a 10,000-job queue off the large object heap.
        var order = new int[given.Length];
        for (var i = 0; i < order.Length; i++)
            order[i] = i;
        Array.Sort(order, (a, b) =>
        {
            var (x, y) = (given[a], given[b]);
            return x.Priority != y.Priority ? x.Priority.CompareTo(y.Priority) : x.Id != y.Id ? x.Id.CompareTo(y.Id) : a.CompareTo(b);
        });
        return Array.ConvertAll(order, i => given[i]);
    }

    /// <summary>Claims a candidate for every instance, in order, or none: the reason it does not fit.</summary>
    static string? Place(QueuedJob job, Candidate[] placed, CandidateSearch search, HostSelection selection)
    {
        for (var i = 0; i < placed.Length; i++)
        {
            if (search.Find(job.Instances[i], selection) is { } candidate)
            {
                search.Claim(candidate);
                placed[i] = candidate;
                continue;
            }
            // Explained before the job's earlier instances are given back: that is the state this instance met.
            var shortfall = search.Explain(job.Instances[i]);
            for (var j = i - 1; j >= 0; j--)
                search.Release(placed[j]);
            return Reason(shortfall, i, placed.Length);
        }
        return null;
    }

    static string Reason(Shortfall shortfall, int index, int count) =>
        count == 1 ? shortfall.Reason
        : !shortfall.LacksCapacity ? $"instance {index + 1} of {count}: {shortfall.Reason}"
        : index == 0 ? shortfall.Reason
        : $"only {index} of {count} instances fit at once; the next {shortfall.Reason}";

    sealed class TypeState(QueuePolicy policy)
    {
        public QueuePolicy Policy { get; } = policy;
        /// <summary>A job of the type has not fitted in this pass.</summary>
        public bool HeadWaits { get; set; }
        /// <summary>Set once the type admits nothing more in this pass: the reason every later job of it gets.</summary>
        public string? Blocked { get; set; }
    }
}
