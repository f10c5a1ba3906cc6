using System.Diagnostics;
using System.Collections.Frozen;
using System.Text.Json;
using Contracts.Placement;
using Contracts.Queue;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workers.Callbacks;
using Workers.Data;
using Workers.Placement;
using Workers.Queue.Admission;

namespace Workers.Queue;

/// <summary>
/// One admission pass, in one transaction: read the queued jobs (each strict type's head, the whole queue once per
/// sweep interval) and the cloud, plan with
/// <see cref="AdmissionPlanner"/>, claim each admitted job's instances as Placement allocations (checked again under
/// the providers' row locks, so a plan gone stale can never overcommit), move the jobs to <c>running</c> with their
/// hosts, and create their <c>job.admitted</c> deliveries, claimed by this worker so it sends them the moment the
/// transaction commits. Waiting jobs get their reasons. Passes are serialised across workers, so no job is admitted
/// twice and strict order holds whatever the number of workers.
/// </summary>
public sealed class AdmissionPass(
    ServiceDb db,
    AllocationWriter writer,
    IOptions<QueueOptions> queueOptions,
    IOptions<CallbackOptions> callbackOptions,
    TimeProvider clock,
    WorkerIdentity worker,
    CallbackDispatcher dispatcher,
    AdmissionCache cache,
    CloudCache cloudCache,
    ILogger<AdmissionPass> logger)
{
    /// <summary>The consumer type of every instance's allocations.</summary>
    public const string ConsumerType = "INSTANCE";

    /// <returns><c>Stale</c> when a planned claim was refused (the plan went stale under a concurrent write), <c>More</c>
    /// when the plan stopped at the end of what it read of a type and admitted jobs: either way, pass again. <c>Empty</c>
    /// when no job was queued.</returns>
    public async Task<(bool Stale, bool More, bool Empty)> Run(CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            db.Reset();
            try
            {
                var (deliveries, stale, more, empty) = await Pass(ct);
                dispatcher.SendNow(deliveries);
                return (stale, more, empty);
            }
            catch (Exception e) when (attempt < 3 && (e is QueueMoved || AdmissionWrites.LeftTheQueue(e) || DbErrors.IsConstraintViolation(e)))
            {
                // A job changed status between the read and the claim (deleted, say): plan again from the new state.
                logger.LogDebug("Admission pass met a concurrent change; planning again");
            }
        }
    }

    async Task<(List<CallbackDispatcher.Due> Deliveries, bool Stale, bool More, bool Empty)> Pass(CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var options = queueOptions.Value;
        // Once per sweep interval the whole queue is read, and every reason refreshed; otherwise each strict type only
        // up to its first few jobs, as many as recent passes could admit and at most Queue:PlanWindow (the planner
        // stops where that could matter, and the pass runs again).
        var whole = cache.TakeReasonRound(clock.GetUtcNow(), options.SweepInterval);
        var window = whole ? (int?)null : cache.Window(options.PlanWindow);
        // On PostgreSQL the admission lock goes with the reads (the wait for it is part of the read's time), and of the
        // cloud only what changed since this worker's last pass is read. The whole round reads all of it: a change the
        // change versions somehow missed reaches the plan by then at the latest.
        var postgres = db.Database.IsNpgsql();
        var basis = cloudCache.Take(fresh: whole || !postgres);
        var (jobRows, cloudRows) = postgres ? await PostgresAdmissionReads.Read(db, window, options, basis, ct) : await ReadRows(window, ct);
        var read = Stopwatch.GetTimestamp();
        // Taken once the lock is held and the queue read: no job read can be newer than what this pass stamps.
        var now = clock.GetUtcNow();
        var cloud = cloudCache.Apply(basis, cloudRows);
        var (queued, readUpTo) = await PlannerJobs(jobRows, window, whole, ct);
        if (queued.Count == 0)
            return ([], false, false, jobRows.Count == 0);
        var loaded = Stopwatch.GetTimestamp();
        var policies = queued.Values.Select(q => q.Job.Type).Distinct()
            .ToDictionary(type => type, type => Policy(options.For(type)), StringComparer.Ordinal);
        var plan = AdmissionPlanner.Plan(queued.Values.Select(q => q.Job), cloud, policies, now, readUpTo);
        var planned = Stopwatch.GetTimestamp();

        var reasons = plan.Waiting.ToDictionary(w => w.Job.Id, w => w.Reason);
        var (admitted, stale) = await Claim(plan.Admitted, queued, reasons, ct);
        if (stale)
            cloudCache.Clear(); // the plan's view was out of date: read all of it again, whatever the reason
        var more = plan.Cut && admitted.Count > 0;
        cache.PassAdmitted(admitted.Count);
        var claimed = Stopwatch.GetTimestamp();
        var deliveries = admitted.Count == 0 ? [] : await MarkRunning(admitted, queued, options, now, ct);
        var marked = Stopwatch.GetTimestamp();
        await WriteReasons(reasons, whole, ct);
        var reasoned = Stopwatch.GetTimestamp();
        await db.Commit(transaction, ct);
        logger.Log(admitted.Count > 0 ? LogLevel.Information : LogLevel.Debug,
            "Admitted {Admitted} of the {Read} queued jobs read{More} in {PassMs:0.0} ms (lock and read {ReadMs:0.0}, " +
            "assemble {AssembleMs:0.0}, plan {PlanMs:0.0}, claim {ClaimMs:0.0}, running {RunningMs:0.0}, reasons {ReasonsMs:0.0}, commit {CommitMs:0.0})",
            admitted.Count, queued.Count, readUpTo.Count > 0 ? " (more queued behind)" : "", Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            Stopwatch.GetElapsedTime(started, read).TotalMilliseconds,
            Stopwatch.GetElapsedTime(read, loaded).TotalMilliseconds,
            Stopwatch.GetElapsedTime(loaded, planned).TotalMilliseconds,
            Stopwatch.GetElapsedTime(planned, claimed).TotalMilliseconds, Stopwatch.GetElapsedTime(claimed, marked).TotalMilliseconds,
            Stopwatch.GetElapsedTime(marked, reasoned).TotalMilliseconds, Stopwatch.GetElapsedTime(reasoned).TotalMilliseconds);
        return (deliveries, stale, more, false);
    }

    /// <summary>Claims the planned jobs in plan order; a refused claim leaves its job queued and stops its type for this pass.</summary>
    async Task<(List<AdmittedJob> Admitted, bool Stale)> Claim(
        IReadOnlyList<AdmittedJob> planned, Dictionary<long, Queued> queued, Dictionary<long, string> reasons, CancellationToken ct)
    {
        if (planned.Count == 0)
            return ([], false);
        var commands = planned.Select(p => ClaimCommand(p, queued[p.Job.Id])).ToList();
        var loadStarted = Stopwatch.GetTimestamp();
        var snapshot = await writer.Load(commands, [], ct);
        var loadMs = Stopwatch.GetElapsedTime(loadStarted).TotalMilliseconds;
        var stopped = new HashSet<string>(StringComparer.Ordinal);
        var admitted = new List<AdmittedJob>();
        foreach (var (job, command) in planned.Zip(commands))
        {
            if (stopped.Contains(job.Job.Type))
            {
                reasons[job.Job.Id] = AdmissionPlanner.NextPass;
                continue;
            }
            var (lines, problem) = AllocationPlanner.Check(command, snapshot);
            if (problem is null)
                (problem, _) = AllocationPlanner.Allocate(command, lines, snapshot);
            if (problem is not null)
            {
                logger.LogInformation("Claim for job {RequestId} refused: {Problem}", job.Job.RequestId, problem.Detail);
                reasons[job.Job.Id] = $"claim refused, retrying: {problem.Detail}";
                stopped.Add(job.Job.Type);
                continue;
            }
            admitted.Add(job);
        }
        var checkedAt = Stopwatch.GetTimestamp();
        await writer.Write(snapshot, ct);
        logger.LogDebug("Claims of {Jobs} jobs: snapshot loaded in {LoadMs:0.0} ms, checked in {CheckMs:0.0} ms, written in {WriteMs:0.0} ms",
            planned.Count, loadMs, Stopwatch.GetElapsedTime(loadStarted, checkedAt).TotalMilliseconds - loadMs, Stopwatch.GetElapsedTime(checkedAt).TotalMilliseconds);
        return (admitted, stopped.Count > 0);
    }

    /// <summary>One Placement write for the whole job: every instance a consumer, all accepted or none.</summary>
    static AllocationPlanner.Command ClaimCommand(AdmittedJob job, Queued queued)
    {
        var project = queued.Project ?? queued.OwnerId;
        var consumers = job.Instances.Select((candidate, i) => new ConsumerAllocations(
            queued.Servers[i], project, queued.OwnerId, null, ConsumerType,
            candidate.Allocations.Select(a => new ProviderAllocation(a.ProviderUuid.ToString(),
                a.Resources.Select(r => new ResourceAmount(r.Key, (int)r.Value)).ToList())).ToList())).ToList();
        return new AllocationPlanner.Command(consumers, CheckGenerations: true, Typed: true, AllocationPlanner.Wording.Put);
    }

    /// <summary>
    /// Admitted jobs become running, their instances get hosts, and each gets a delivery this worker sends. On
    /// PostgreSQL all of it goes with the commit when this worker holds every job's callback parts
    /// (<see cref="AdmissionCache.Payload"/>); otherwise the move is a round trip first, which reads them back. What each
    /// instance holds comes from the plan, as it was claimed.
    /// </summary>
    async Task<List<CallbackDispatcher.Due>> MarkRunning(List<AdmittedJob> admitted, Dictionary<long, Queued> queued, QueueOptions options, DateTimeOffset now, CancellationToken ct)
    {
        var at = now.UtcDateTime;
        var bulk = db.Database.IsNpgsql();
        var moves = admitted.Select(a => (a.Job.Id, options.For(a.Job.Type).MaxRunTime is { } limit ? at + limit : (DateTime?)null)).ToList();
        // Conditional on the status read by the plan: a job finished or deleted meanwhile fails the pass, which plans again.
        Dictionary<long, JobRecord> jobs;
        if (bulk && Known(admitted, queued, at) is { } known)
        {
            AdmissionWrites.MoveToRunningWithCommit(db, moves, at); // checked at the commit
            jobs = known;
        }
        else
        {
            jobs = bulk ? await AdmissionWrites.MoveToRunning(db, moves, at, ct) : await MoveToRunning(moves, at, ct);
            if (jobs.Count != admitted.Count)
                throw new QueueMoved();
        }

        var leaseUntil = at + CallbackDispatcher.Lease(callbackOptions.Value);
        var deliveries = new List<CallbackDeliveryRecord>(admitted.Count);
        var landed = new List<InstanceView>();
        foreach (var job in admitted)
        {
            var record = jobs[job.Job.Id];
            var own = queued[job.Job.Id].Servers.Zip(job.Instances, job.Job.Instances).Select(i => new InstanceView(
                i.First, i.Second.HostName, i.Second.HostUuid, i.Third.Resources.ToDictionary(r => r.Key, r => (int)r.Value))).ToList();
            landed.AddRange(own);
            var view = new JobView(record.Id, record.CreatedAt, at, record.DeletedAt, record.RequestId, record.Type, record.OwnerId,
                record.Data, record.Callback, record.Priority, JobStatus.Running, null, null, own, at, null);
            deliveries.Add(Deliveries.New(record.Id, Deliveries.Admitted, JobJson.CallbackBody(Deliveries.Admitted, view), at,
                claimedBy: worker.Name, claimedUntil: leaseUntil));
        }
        if (bulk)
        {
            AdmissionWrites.Hosts(db, landed);
            AdmissionWrites.Deliveries(db, deliveries);
        }
        else
        {
            var hosts = landed.ToDictionary(i => i.ServerUuid);
            var servers = hosts.Keys.ToList();
            foreach (var instance in await db.JobInstances.Where(i => servers.Contains(i.ServerUuid)).ToListAsync(ct))
                (instance.Host, instance.ProviderUuid) = (hosts[instance.ServerUuid].Host, hosts[instance.ServerUuid].ResourceProvider);
            db.CallbackDeliveries.AddRange(deliveries);
        }
        return deliveries.Select(d => new CallbackDispatcher.Due(d.Id, jobs[d.JobId].Callback, d.Body)).ToList();
    }

    /// <summary>
    /// The admitted jobs as <see cref="AdmissionWrites.MoveToRunning"/> would read them back, from what this worker
    /// holds (<see cref="AdmissionCache.Payload"/>) and the priority this pass read; null unless it holds every one.
    /// </summary>
    Dictionary<long, JobRecord>? Known(List<AdmittedJob> admitted, Dictionary<long, Queued> queued, DateTime at)
    {
        var jobs = new Dictionary<long, JobRecord>(admitted.Count);
        foreach (var job in admitted)
        {
            if (cache.Get(job.Job.Id) is not { Payload: { } payload } known)
                return null;
            var read = queued[job.Job.Id];
            jobs[job.Job.Id] = new JobRecord
            {
                Id = job.Job.Id, Type = known.Type, RequestId = known.RequestId, OwnerId = known.OwnerId, Project = known.Project,
                Data = payload.Data, Callback = payload.Callback, Priority = read.Job.Priority, Status = JobStatus.Running,
                CreatedAt = payload.CreatedAt, QueuedSince = read.Job.QueuedSince.UtcDateTime, UpdatedAt = at, AdmittedAt = at,
            };
        }
        return jobs;
    }

    /// <summary><see cref="AdmissionWrites.MoveToRunning"/> the portable way (SQLite): a read, then one update per expiry.</summary>
    async Task<Dictionary<long, JobRecord>> MoveToRunning(List<(long Job, DateTime? ExpiresAt)> moves, DateTime at, CancellationToken ct)
    {
        var ids = moves.Select(m => m.Job).ToList();
        var jobs = await db.Jobs.AsNoTracking().Where(j => ids.Contains(j.Id) && j.Status == JobStatus.Queued).ToDictionaryAsync(j => j.Id, ct);
        foreach (var group in moves.GroupBy(m => m.ExpiresAt))
        {
            var expires = group.Key;
            var ofGroup = group.Select(m => m.Job).ToList();
            var moved = await db.Jobs.Where(j => ofGroup.Contains(j.Id) && j.Status == JobStatus.Queued).ExecuteUpdateAsync(s => s
                .SetProperty(j => j.Status, JobStatus.Running).SetProperty(j => j.AdmittedAt, at).SetProperty(j => j.UpdatedAt, at)
                .SetProperty(j => j.ExpiresAt, expires).SetProperty(j => j.Reason, (string?)null), ct);
            if (moved != ofGroup.Count)
                throw new QueueMoved();
        }
        return jobs;
    }

    /// <summary>
    /// Stores the reasons that changed since they were last stored, one statement per distinct reason. Reasons quote
    /// free capacity, which moves with every pass; rewriting ten thousand rows each time would cost more than the
    /// admission itself. So every pass stores the changes of the first <see cref="ReasonsEveryPass"/> waiting jobs (in
    /// queue order, those a user watches), and all of them at most once per <c>Queue:SweepInterval</c>. What is stored
    /// is remembered in <see cref="AdmissionCache"/>; the full round reads it back from the database instead, so what
    /// another worker stored (or a pass that rolled back did not) is set right within the interval.
    /// </summary>
    async Task WriteReasons(Dictionary<long, string> reasons, bool full, CancellationToken ct)
    {
        var stored = full
            ? await db.Jobs.AsNoTracking().Where(j => j.Status == JobStatus.Queued).Select(j => new { j.Id, j.Reason })
                .ToDictionaryAsync(j => j.Id, j => j.Reason, ct)
            : null;
        var changed = reasons.Where(r => (stored is null ? cache.StoredReason(r.Key) : stored.GetValueOrDefault(r.Key)) != r.Value);
        if (!full)
            changed = changed.Take(ReasonsEveryPass);
        foreach (var group in changed.GroupBy(r => r.Value).ToList())
        {
            var ids = group.Select(r => r.Key).ToList();
            var reason = group.Key;
            if (db.Database.IsNpgsql())
                AdmissionWrites.Reason(db, ids, reason);
            else
                await db.Jobs.Where(j => ids.Contains(j.Id) && j.Status == JobStatus.Queued)
                    .ExecuteUpdateAsync(s => s.SetProperty(j => j.Reason, reason), ct);
            foreach (var id in ids)
                cache.ReasonStored(id, reason);
        }
    }

    const int ReasonsEveryPass = 256;

    /// <summary>What a pass reads of a queued job each time: the rest is fixed at submit (<see cref="AdmissionCache"/>).</summary>
    public sealed record QueuedRow(long Id, string Type, long Priority, DateTime QueuedSince);

    /// <summary>What a pass reads of a queued job once, the first time this worker plans it (with its instance rows).</summary>
    public sealed record NewJob(long Id, string Type, string RequestId, string OwnerId, string? Project, Guid? AggregateUuid,
        string? AggregateLabel, string? Reason)
    {
        /// <summary>Read on PostgreSQL only, where the move to running can then go with the commit.</summary>
        public AdmissionCache.Payload? Payload { get; init; }
    }

    /// <summary>The portable reads (SQLite, the embedded default): <see cref="PostgresAdmissionReads"/> statement by
    /// statement, and always the whole cloud.</summary>
    async Task<(List<QueuedRow> Jobs, CloudCache.Read Cloud)> ReadRows(int? window, CancellationToken ct)
    {
        var queuedJobs = db.Jobs.AsNoTracking().Where(j => j.Status == JobStatus.Queued);
        var jobs = new List<QueuedRow>();
        foreach (var type in await queuedJobs.Select(j => j.Type).Distinct().ToListAsync(ct))
        {
            var ofType = queuedJobs.Where(j => j.Type == type).OrderBy(j => j.Priority).ThenBy(j => j.Id);
            var read = window is { } limit && !queueOptions.Value.IsBackfill(type) ? ofType.Take(limit + 1) : ofType;
            jobs.AddRange(await read.Select(j => new QueuedRow(j.Id, j.Type, j.Priority, j.QueuedSince)).ToListAsync(ct));
        }
        var providers = await db.ResourceProviders.AsNoTracking()
            .Select(p => new CloudCache.ProviderRow(p.Id, p.Uuid, p.Name, p.ParentId, p.ChangeVersion)).ToListAsync(ct);
        var classes = await db.ResourceClasses.AsNoTracking().ToDictionaryAsync(c => c.Id, c => c.Name, ct);
        var inventories = (await db.Inventories.AsNoTracking().ToListAsync(ct))
            .Select(i => (i.ResourceProviderId, i.ResourceClassId, AllocationWriter.ToPlan(i))).ToList();
        var used = (await db.Allocations.GroupBy(a => new { a.ResourceProviderId, a.ResourceClassId })
                .Select(g => new { g.Key.ResourceProviderId, g.Key.ResourceClassId, Used = g.Sum(a => (long)a.Used) }).ToListAsync(ct))
            .Select(u => (u.ResourceProviderId, u.ResourceClassId, u.Used)).ToList();
        var traits = (await (from pt in db.ProviderTraits
                             join t in db.Traits on pt.TraitId equals t.Id
                             select new { pt.ResourceProviderId, t.Name }).ToListAsync(ct))
            .Select(t => (t.ResourceProviderId, t.Name)).ToList();
        var aggregates = (await (from pa in db.ProviderAggregates
                                 join a in db.Aggregates on pa.AggregateId equals a.Id
                                 select new { pa.ResourceProviderId, a.Uuid }).ToListAsync(ct))
            .Select(a => (a.ResourceProviderId, Guid.Parse(a.Uuid))).ToList();
        return (jobs, new CloudCache.Read(providers, classes, inventories, used, traits, aggregates));
    }

    /// <summary>
    /// The queued jobs read, in their planner form. A strict type with more than <paramref name="window"/> queued jobs
    /// is cut there: the last job given of it goes into <c>ReadUpTo</c>, and the planner stops where that could matter.
    /// What a job asks for never changes once it is queued, so its parsed instances come from
    /// <see cref="AdmissionCache"/>; only jobs new to this worker have their instance rows read.
    /// </summary>
    async Task<(Dictionary<long, Queued> Queued, Dictionary<string, QueuedJob> ReadUpTo)> PlannerJobs(
        List<QueuedRow> rows, int? window, bool whole, CancellationToken ct)
    {
        var jobs = new List<QueuedRow>(rows.Count);
        var cutTypes = new List<string>();
        foreach (var type in rows.GroupBy(r => r.Type, StringComparer.Ordinal))
        {
            var ofType = type.OrderBy(r => r.Priority).ThenBy(r => r.Id).ToList();
            if (window is { } limit && ofType.Count > limit && !queueOptions.Value.IsBackfill(type.Key))
            {
                jobs.AddRange(ofType.Take(limit));
                cutTypes.Add(type.Key);
            }
            else
                jobs.AddRange(ofType);
        }

        var missing = jobs.Where(j => !cache.Contains(j.Id)).Select(j => j.Id).ToList();
        if (missing.Count > 0)
        {
            var (fixedParts, instanceList) = db.Database.IsNpgsql()
                ? await PostgresAdmissionReads.NewJobs(db, missing, ct)
                : (await db.Jobs.AsNoTracking().Where(j => missing.Contains(j.Id))
                        .Select(j => new NewJob(j.Id, j.Type, j.RequestId, j.OwnerId, j.Project, j.AggregateUuid, j.AggregateLabel, j.Reason)).ToListAsync(ct),
                    await db.JobInstances.AsNoTracking().Where(i => missing.Contains(i.JobId)).ToListAsync(ct));
            var instanceRows = instanceList.ToLookup(i => i.JobId);
            foreach (var job in fixedParts)
            {
                var memberOf = job.AggregateUuid is { } aggregate ? new MemberOf(aggregate, job.AggregateLabel ?? aggregate.ToString()) : null;
                var instances = instanceRows[job.Id].OrderBy(i => i.Index).ToList();
                cache.Add(job.Id, new AdmissionCache.Job(job.Type, job.RequestId, job.OwnerId, job.Project,
                    instances.Select(i => Request(i, memberOf)).ToList(), instances.Select(i => i.ServerUuid).ToList(), job.Payload));
                cache.ReasonStored(job.Id, job.Reason);
            }
        }
        var queued = new Dictionary<long, Queued>(jobs.Count);
        foreach (var job in jobs)
        {
            // A job that left the queue between the two reads is simply not planned in this pass.
            if (cache.Get(job.Id) is not { } known)
                continue;
            queued[job.Id] = new Queued(new QueuedJob(job.Id, known.Type, job.Priority, new DateTimeOffset(job.QueuedSince, TimeSpan.Zero),
                known.Requests, known.RequestId), known.OwnerId, known.Project, known.Servers);
        }
        // Jobs that left the queue are forgotten when the whole queue was read; until then they only wait in memory.
        if (whole)
            cache.KeepOnly(queued.Keys);
        var readUpTo = new Dictionary<string, QueuedJob>(StringComparer.Ordinal);
        foreach (var type in cutTypes)
            if (queued.Values.Select(q => q.Job).Where(j => j.Type == type).MaxBy(j => (j.Priority, j.Id)) is { } last)
                readUpTo[type] = last;
        return (queued, readUpTo);
    }

    static QueuePolicy Policy(TypePolicy policy) => new(
        policy.Policy == TypePolicy.Backfill ? AdmissionOrder.Backfill : AdmissionOrder.Strict,
        policy.BackfillMaxHeadWait,
        policy.Placement == TypePolicy.Pack ? HostSelection.Pack : HostSelection.Spread);

    /// <summary>A queued job: the planner's view of it, whose its claims are, and its instances' server uuids in
    /// instance order.</summary>
    sealed record Queued(QueuedJob Job, string OwnerId, string? Project, IReadOnlyList<Guid> Servers);

    static AllocationRequest Request(JobInstanceRecord instance, MemberOf? memberOf)
    {
        var traits = JobInstances.Traits(instance);
        return new AllocationRequest(JobInstances.Claim(instance).ToDictionary(c => c.Key, c => (long)c.Value, StringComparer.Ordinal))
        {
            RequiredTraits = traits.Where(t => !t.StartsWith('!')).ToFrozenSet(StringComparer.Ordinal),
            ForbiddenTraits = traits.Where(t => t.StartsWith('!')).Select(t => t[1..]).ToFrozenSet(StringComparer.Ordinal),
            MemberOf = memberOf,
        };
    }

    /// <summary>A planned job left the queue (deleted, finished) before its claim: the pass starts over.</summary>
    sealed class QueueMoved : Exception;
}
