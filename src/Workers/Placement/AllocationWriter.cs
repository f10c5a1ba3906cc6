using Contracts.Placement;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

/// <summary>
/// Placement's allocation write, inside the caller's transaction, in Placement's order (which decides the answer
/// when several things are wrong): consumers (generations), providers (existence), then under the providers' row
/// locks: resource classes, inventories, constraints and capacity, the writes, the generation bumps.
/// <para>
/// No optimistic retries: consumers are locked first (by uuid order), then providers (by id order), so concurrent
/// writers queue instead of failing, cannot deadlock, and a hot provider cannot livelock. Capacity is checked with
/// the rows locked, so nothing is ever overcommitted whatever the number of workers.
/// </para>
/// </summary>
public sealed class AllocationWriter(ServiceDb db, PlacementIds ids, TimeProvider clock)
{
    /// <summary>Placement's default ids for consumers written below 1.8, which carry no project or user.</summary>
    public const string IncompleteConsumer = "00000000-0000-0000-0000-000000000000";

    /// <summary>A consumer being written: its row (new or locked), the request, and what it asked to change.</summary>
    public sealed class Consumer(ConsumerAllocations request, ConsumerRecord record, bool created, int projectId, int userId, int? typeId)
    {
        public ConsumerAllocations Request { get; } = request;
        public ConsumerRecord Record { get; } = record;
        /// <summary>New in this command: it holds nothing yet and is inserted with its allocations.</summary>
        public bool Created { get; } = created;
        public int ProjectId { get; } = projectId;
        public int UserId { get; } = userId;
        public int? TypeId { get; } = typeId;
    }

    /// <summary>One allocation line to write (zero: what an emptied consumer held, kept for the generation bumps).</summary>
    public sealed record Line(Consumer Consumer, ResourceProviderRecord Provider, string ResourceClass, long Amount);

    /// <summary>Placement's ensure_consumer for each consumer: projects, users and types made as needed, generations checked.</summary>
    public async Task<(List<Consumer> Consumers, PlacementProblem? Problem)> Consumers(
        IReadOnlyList<ConsumerAllocations> requests, bool checkGenerations, bool typed, CancellationToken ct)
    {
        var consumers = new List<Consumer>();
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var request in requests.OrderBy(r => r.ConsumerUuid))
        {
            var projectId = await ids.Project(db, request.ProjectId ?? IncompleteConsumer, ct);
            var userId = await ids.User(db, request.ProjectId is null ? IncompleteConsumer : request.UserId ?? IncompleteConsumer, ct);
            // Lock the consumer row first: its writers queue here, and the generation read is the one we change.
            var locked = await db.Consumers.Where(c => c.Uuid == request.ConsumerUuid)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.Generation, c => c.Generation), ct) > 0;
            var record = locked ? await db.Consumers.SingleAsync(c => c.Uuid == request.ConsumerUuid, ct) : null;
            if (checkGenerations && record is not null && record.Generation != request.ConsumerGeneration)
                return ([], Conflict($"consumer generation conflict - expected {record.Generation} but got {Python(request.ConsumerGeneration)}"));
            if (checkGenerations && record is null && request.ConsumerGeneration is { } given)
                return ([], Conflict($"consumer generation conflict - expected null but got {given}"));
            var typeId = typed ? await ids.ConsumerType(db, request.ConsumerType!, ct) : (int?)null;
            var created = record is null;
            if (record is null)
            {
                // Written with the allocations at the end. A concurrent creator of the same consumer meets the unique
                // index then, and the inbox runs this command again (which then sees that consumer).
                record = new ConsumerRecord { Uuid = request.ConsumerUuid, ProjectId = projectId, UserId = userId, ConsumerTypeId = typeId, CreatedAt = now };
                db.Consumers.Add(record);
            }
            consumers.Add(new Consumer(request, record, created, projectId, userId, typeId));
        }
        // Placement handles consumers in the request's order; only the locking follows the uuid order.
        return (consumers.OrderBy(c => requests.ToList().IndexOf(c.Request)).ToList(), null);
    }

    /// <summary>The allocation lines, with every provider named checked to exist (Placement's 400 otherwise).</summary>
    public async Task<(List<Line> Lines, PlacementProblem? Problem)> Lines(List<Consumer> consumers, CancellationToken ct)
    {
        var lines = new List<Line>();
        foreach (var consumer in consumers)
        {
            if (consumer.Request.Allocations.Count == 0)
            {
                if (consumer.Created)
                    continue;
                var held = await (from a in db.Allocations
                                  join p in db.ResourceProviders on a.ResourceProviderId equals p.Id
                                  join rc in db.ResourceClasses on a.ResourceClassId equals rc.Id
                                  where a.ConsumerUuid == consumer.Record.Uuid
                                  orderby a.Id
                                  select new { p, rc.Name }).ToListAsync(ct);
                lines.AddRange(held.Select(h => new Line(consumer, h.p, h.Name, 0)));
                continue;
            }
            foreach (var allocation in consumer.Request.Allocations)
            {
                var provider = await ProviderViews.FindByStoredUuid(db, allocation.ProviderUuid, ct);
                if (provider is null)
                    return ([], new PlacementProblem(400, PlacementProblem.UndefinedCode,
                        $"Allocation for resource provider '{allocation.ProviderUuid}' that does not exist."));
                lines.AddRange(allocation.Resources.Select(r => new Line(consumer, provider, r.ResourceClass, r.Amount)));
            }
        }
        return (lines, null);
    }

    /// <summary>
    /// Placement's replace_all: the consumers' allocations replaced by <paramref name="lines"/>, checked against the
    /// inventories under the providers' locks, then the provider and consumer generations moved.
    /// </summary>
    /// <param name="unknownClass">Wording of an unknown resource class, which differs between PUT, POST and the reshaper.</param>
    /// <returns>The problem, or null and the providers whose allocations shrank or went.</returns>
    public async Task<(PlacementProblem? Problem, List<Guid> Freed)> Replace(
        List<Consumer> consumers, List<Line> lines, Func<string, PlacementProblem> unknownClass, CancellationToken ct)
    {
        // What the consumers held goes first (it does not count against what replaces it). New ones hold nothing.
        var existing = consumers.Where(c => !c.Created).Select(c => c.Record.Uuid).ToList();
        var before = existing.Count == 0 ? [] : await (
            from a in db.Allocations
            join p in db.ResourceProviders on a.ResourceProviderId equals p.Id
            where existing.Contains(a.ConsumerUuid)
            select new Held(p.Uuid, a.ResourceProviderId, a.ResourceClassId, a.Used)).ToListAsync(ct);
        if (before.Count > 0)
            await db.Allocations.Where(a => existing.Contains(a.ConsumerUuid)).ExecuteDeleteAsync(ct);

        var names = lines.Select(l => l.ResourceClass).Distinct().ToList();
        var classIds = await ids.ResourceClasses(db, names, ct);
        if (names.FirstOrDefault(n => !classIds.ContainsKey(n)) is { } unknown)
            return (unknownClass(unknown), []);

        // Lock (and bump) every provider written to, in id order, before reading what they have left.
        var providers = lines.Select(l => l.Provider).DistinctBy(p => p.Id).OrderBy(p => p.Id).ToList();
        foreach (var provider in providers)
            await ProviderGenerations.Increment(db, provider.Id, ct);

        if (await CapacityProblem(lines, providers, classIds, ct) is { } refused)
            return (refused, []);

        var now = clock.GetUtcNow().UtcDateTime;
        db.Allocations.AddRange(lines.Where(l => l.Amount > 0).Select(l => new AllocationRecord
        {
            ResourceProviderId = l.Provider.Id, ConsumerUuid = l.Consumer.Record.Uuid, ResourceClassId = classIds[l.ResourceClass],
            Used = (int)l.Amount, CreatedAt = now,
        }));

        // Consumers take the project, user and type asked for; each written consumer's generation moves; a consumer
        // left with nothing is deleted, as Placement deletes it (its next write starts again from null).
        var written = lines.Select(l => l.Consumer).ToHashSet();
        foreach (var consumer in consumers)
        {
            consumer.Record.ProjectId = consumer.ProjectId;
            consumer.Record.UserId = consumer.UserId;
            if (consumer.TypeId is { } typeId)
                consumer.Record.ConsumerTypeId = typeId;
            if (!written.Contains(consumer))
                continue;
            consumer.Record.Generation++;
            consumer.Record.UpdatedAt = now;
            if (!lines.Any(l => l.Consumer == consumer && l.Amount > 0))
                db.Consumers.Remove(consumer.Record);
        }
        // No SaveChanges here: the caller's commit writes these with its own rows in one round trip.

        var after = lines.Where(l => l.Amount > 0).GroupBy(l => (l.Provider.Id, classIds[l.ResourceClass])).ToDictionary(g => g.Key, g => g.Sum(l => l.Amount));
        var freed = before.GroupBy(b => (b.ProviderId, b.ClassId))
            .Where(g => g.Sum(b => (long)b.Used) > after.GetValueOrDefault(g.Key)).Select(g => g.First().ProviderUuid).Distinct().ToList();
        return (null, freed);
    }

    /// <summary>Placement's _check_capacity_exceeded: inventory present, min/max/step respected, capacity not exceeded.</summary>
    async Task<PlacementProblem?> CapacityProblem(List<Line> lines, List<ResourceProviderRecord> providers, Dictionary<string, int> classIds, CancellationToken ct)
    {
        var providerIds = providers.Select(p => p.Id).ToList();
        var wantedClassIds = classIds.Values.ToList();
        var inventories = await (from i in db.Inventories
                                 where providerIds.Contains(i.ResourceProviderId) && wantedClassIds.Contains(i.ResourceClassId)
                                 select new
                                 {
                                     Inventory = i,
                                     Used = db.Allocations.Where(a => a.ResourceProviderId == i.ResourceProviderId && a.ResourceClassId == i.ResourceClassId)
                                         .Sum(a => (long?)a.Used) ?? 0,
                                 }).ToDictionaryAsync(x => (x.Inventory.ResourceProviderId, x.Inventory.ResourceClassId), ct);

        var withInventory = inventories.Keys.Select(k => k.ResourceProviderId).ToHashSet();
        if (providers.FirstOrDefault(p => !withInventory.Contains(p.Id)) is { } bare)
            return Invalid($"Inventory for '{string.Join(", ", classIds.OrderBy(c => c.Value).Select(c => c.Key))}' on resource provider '{bare.Uuid}' invalid.");

        var requested = new Dictionary<(long, int), long>();
        foreach (var line in lines)
        {
            var key = (line.Provider.Id, classIds[line.ResourceClass]);
            requested[key] = requested.GetValueOrDefault(key) + line.Amount;
            if (line.Amount == 0)
                continue;
            if (!inventories.TryGetValue(key, out var found))
                return Invalid($"Inventory for '{line.ResourceClass}' on resource provider '{line.Provider.Uuid}' invalid.");
            var inventory = found.Inventory;
            if (line.Amount < inventory.MinUnit || line.Amount > inventory.MaxUnit || line.Amount % inventory.StepSize != 0)
                return Invalid($"Unable to create allocation for '{line.ResourceClass}' on resource provider '{line.Provider.Uuid}'. The requested amount would violate inventory constraints.");
            var capacity = (inventory.Total - inventory.Reserved) * inventory.AllocationRatio;
            if (capacity < found.Used + line.Amount || capacity < found.Used + requested[key])
                return Invalid($"Unable to create allocation for '{line.ResourceClass}' on resource provider '{line.Provider.Uuid}'. The requested amount would exceed the capacity.");
        }
        return null;
    }

    sealed record Held(Guid ProviderUuid, long ProviderId, int ClassId, int Used);

    static PlacementProblem Invalid(string detail) => new(409, PlacementProblem.UndefinedCode, $"Unable to allocate inventory: {detail}");

    static PlacementProblem Conflict(string detail) => new(409, PlacementProblem.ConcurrentUpdate, detail);

    static string Python(long? value) => value?.ToString() ?? "None";
}
