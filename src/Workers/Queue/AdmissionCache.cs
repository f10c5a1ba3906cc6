using System.Collections.Concurrent;
using Workers.Queue.Admission;

namespace Workers.Queue;

/// <summary>
/// Queued jobs' instances in the planner's form, by job id, kept between admission passes in this worker: a queued
/// job's request is fixed at submit, so a pass over ten thousand waiting jobs need not read and parse their instance
/// rows again. Jobs that left the queue are dropped at the end of each pass. It also remembers the reasons stored, and paces the rounds that read the whole queue and rewrite every reason.
/// </summary>
public sealed class AdmissionCache
{
    /// <summary>What never changes about a queued job: its name and owner, and its instances' requests and server uuids;
    /// on PostgreSQL, when short enough, what its callback needs too.</summary>
    public sealed record Job(string Type, string RequestId, string OwnerId, string? Project,
        IReadOnlyList<AllocationRequest> Requests, IReadOnlyList<Guid> Servers, Payload? Payload = null);

    /// <summary>
    /// The parts of a job its <c>job.admitted</c> callback shows that no change to a queued job touches: with them at
    /// hand, a pass moves its jobs to running with its commit (<see cref="AdmissionWrites.MoveToRunningWithCommit"/>)
    /// instead of reading them back in a round trip of its own. Kept only while <see cref="PayloadLimit"/> characters
    /// in all, so that ten thousand queued jobs cost megabytes, not a job's full size each.
    /// </summary>
    public sealed record Payload(string Data, string Callback, DateTime CreatedAt);

    /// <summary>The longest data and callback (together, in characters) a job's <see cref="Payload"/> is kept for.</summary>
    public const int PayloadLimit = 1024;

    readonly ConcurrentDictionary<long, Job> jobs = new();
    readonly ConcurrentDictionary<long, string?> reasons = new();

    public bool Contains(long jobId) => jobs.ContainsKey(jobId);

    public void Add(long jobId, Job job) => jobs[jobId] = job;

    public Job? Get(long jobId) => jobs.GetValueOrDefault(jobId);

    public void KeepOnly(ICollection<long> queued)
    {
        foreach (var id in jobs.Keys)
            if (!queued.Contains(id))
                jobs.TryRemove(id, out _);
        foreach (var id in reasons.Keys)
            if (!queued.Contains(id))
                reasons.TryRemove(id, out _);
    }

    /// <summary>The reason last stored for a queued job, as far as this worker knows.</summary>
    public string? StoredReason(long jobId) => reasons.GetValueOrDefault(jobId);

    public void ReasonStored(long jobId, string? reason) => reasons[jobId] = reason;

    /// <summary>The fewest jobs of each strict type a pass reads (unless <c>Queue:PlanWindow</c> is lower).</summary>
    public const int MinWindow = 64;

    int lastAdmitted;

    /// <summary>
    /// How many jobs of each strict type the next pass reads: twice what the last pass admitted, at least
    /// <see cref="MinWindow"/>, at most <paramref name="planWindow"/>. Reading ten times more than a pass can admit
    /// costs every pass; a window found too short only cuts the plan, and the next pass reads twice as far.
    /// </summary>
    public int Window(int planWindow) => Math.Clamp(2 * Volatile.Read(ref lastAdmitted), Math.Min(MinWindow, planWindow), planWindow);

    public void PassAdmitted(int count) => Volatile.Write(ref lastAdmitted, count);

    long nextReasonRound;

    /// <summary>How many intervals a round may wait while passes keep admitting.</summary>
    public const int MaxRoundDelay = 10;

    /// <summary>
    /// True at most once per <paramref name="interval"/>: this pass reads the whole queue and the whole cloud, and stores
    /// every changed reason. Such a pass plans every queued job, a pause that every admission behind it waits out; so
    /// while passes keep admitting, a due round waits for one that admitted nothing, up to <see cref="MaxRoundDelay"/>
    /// intervals after it fell due. The waiting jobs a user watches get their reasons every pass anyway.
    /// </summary>
    public bool TakeReasonRound(DateTimeOffset now, TimeSpan interval)
    {
        var due = Interlocked.Read(ref nextReasonRound);
        if (now.UtcTicks < due)
            return false;
        var busy = Volatile.Read(ref lastAdmitted) > 0;
        if (busy && now.UtcTicks < due + (MaxRoundDelay - 1) * interval.Ticks)
            return false;
        return Interlocked.CompareExchange(ref nextReasonRound, (now + interval).UtcTicks, due) == due;
    }
}
