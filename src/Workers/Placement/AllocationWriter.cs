using Microsoft.EntityFrameworkCore;
using Workers.Data;
using static Workers.Placement.AllocationPlanner;

namespace Workers.Placement;

/// <summary>
/// Loads what allocation commands touch into an <see cref="AllocationPlanner.Snapshot"/>, under row locks, and writes
/// back what the planner accepted, in a handful of round trips whatever the number of commands (so a batch of
/// commands costs about what one does).
/// <para>
/// Consumers are locked first, then providers in id order, so concurrent writers queue instead of failing and do not
/// deadlock, and a hot provider cannot livelock. Capacity is checked with the providers locked, so nothing is ever
/// overcommitted whatever the number of workers.
/// </para>
/// <para>
/// On PostgreSQL the reads are one round trip and the writes go with the commit (<see cref="PostgresAllocationRows"/>); SQLite,
/// the embedded default with one writer at a time, goes through EF statement by statement.
/// </para>
/// </summary>
public sealed class AllocationWriter(ServiceDb db, PlacementIds ids, TimeProvider clock)
{
    /// <summary>The rows a snapshot is built from, as read under the locks.</summary>
    public sealed record StoredRows(
        List<ConsumerRecord> Consumers,
        List<(Guid Consumer, Held Held)> Held,
        List<(long Id, Guid Uuid, long Generation)> Providers,
        List<(long Provider, int Class, Inventory Inventory)> Inventories,
        List<(long Provider, int Class, long Used)> Used,
        List<(string Name, int Id)> Classes);

    readonly Dictionary<Guid, ConsumerRecord> stored = [];

    /// <param name="moreProviders">Providers to lock and load besides those the commands name (the reshaper's).</param>
    /// <param name="moreClasses">Resource class names to resolve besides those the commands name.</param>
    public async Task<Snapshot> Load(IReadOnlyList<Command> commands, IReadOnlyCollection<Guid> moreProviders, CancellationToken ct,
        IEnumerable<string>? moreClasses = null)
    {
        var snapshot = new Snapshot();
        var requests = commands.SelectMany(c => c.Consumers).ToList();
        foreach (var request in requests)
        {
            snapshot.Projects.TryAdd(ProjectOf(request), await ids.Project(db, ProjectOf(request), ct));
            snapshot.Users.TryAdd(UserOf(request), await ids.User(db, UserOf(request), ct));
        }
        foreach (var type in commands.Where(c => c.Typed).SelectMany(c => c.Consumers).Select(r => r.ConsumerType!).Distinct())
            snapshot.ConsumerTypes[type] = await ids.ConsumerType(db, type, ct);

        // Providers: those named (a client's spelling names one only in the canonical form), those held, and more.
        var uuids = requests.Select(r => r.ConsumerUuid).Distinct().Order().ToList();
        var named = requests.SelectMany(r => r.Allocations).Select(a => a.ProviderUuid)
            .Where(s => Guid.TryParseExact(s, "D", out var g) && g.ToString() == s).Select(Guid.Parse)
            .Concat(moreProviders).Distinct().ToList();
        var names = requests.SelectMany(r => r.Allocations).SelectMany(a => a.Resources).Select(r => r.ResourceClass)
            .Concat(moreClasses ?? []).ToList();
        StoredRows rows;
        if (db.Database.IsNpgsql())
        {
            var (known, unknown) = ids.KnownClasses(names);
            rows = await PostgresAllocationRows.Read(db, uuids, named, unknown, ct);
            ids.ClassesRead(rows.Classes);
            foreach (var (name, id) in known)
                snapshot.ClassIds[name] = id;
            foreach (var (name, id) in rows.Classes)
                snapshot.ClassIds[name] = id;
        }
        else
        {
            rows = await Read(uuids, named, ct);
            foreach (var (name, id) in await ids.ResourceClasses(db, names, ct))
                snapshot.ClassIds[name] = id;
        }
        // The classes allocations hold come with their names, as read under the consumers' locks.
        foreach (var (_, held) in rows.Held)
            snapshot.ClassIds[held.ClassName] = held.ClassId;

        foreach (var record in rows.Consumers)
            stored[record.Uuid] = record;
        var heldBy = rows.Held.ToLookup(h => h.Consumer, h => h.Held);
        var inventoriesOf = rows.Inventories.ToLookup(i => i.Provider);
        var usedOf = rows.Used.ToLookup(u => u.Provider);
        foreach (var uuid in uuids)
        {
            var record = stored.GetValueOrDefault(uuid);
            snapshot.Consumers[uuid] = new Consumer(uuid)
            {
                Stored = record is not null, Exists = record is not null, Generation = record?.Generation ?? 0,
                ProjectId = record?.ProjectId ?? 0, UserId = record?.UserId ?? 0, TypeId = record?.ConsumerTypeId,
                Allocations = heldBy[uuid].ToList(),
            };
        }
        foreach (var p in rows.Providers)
            snapshot.Providers[p.Uuid.ToString()] = new Provider(p.Id, p.Uuid, p.Generation,
                inventoriesOf[p.Id].ToDictionary(i => i.Class, i => i.Inventory),
                usedOf[p.Id].ToDictionary(u => u.Class, u => u.Used));
        return snapshot;
    }

    /// <summary>The portable reads: consumers locked (a no-op update) and read with what they hold, then providers.</summary>
    async Task<StoredRows> Read(List<Guid> uuids, List<Guid> named, CancellationToken ct)
    {
        List<ConsumerRecord> consumers = [];
        List<(Guid Consumer, Held Held)> held = [];
        if (await db.Consumers.Where(c => uuids.Contains(c.Uuid)).ExecuteUpdateAsync(s => s.SetProperty(c => c.Generation, c => c.Generation), ct) > 0)
        {
            consumers = await db.Consumers.Where(c => uuids.Contains(c.Uuid)).ToListAsync(ct);
            held = (await (from a in db.Allocations
                           join p in db.ResourceProviders on a.ResourceProviderId equals p.Id
                           join rc in db.ResourceClasses on a.ResourceClassId equals rc.Id
                           where uuids.Contains(a.ConsumerUuid)
                           orderby a.Id
                           select new { a.ConsumerUuid, p.Uuid, a.ResourceClassId, rc.Name, a.Used }).ToListAsync(ct))
                .Select(h => (h.ConsumerUuid, new Held(h.Uuid, h.ResourceClassId, h.Name, h.Used))).ToList();
        }

        var wanted = named.Concat(held.Select(h => h.Held.ProviderUuid)).Distinct().ToList();
        var providers = await db.ResourceProviders.Where(p => wanted.Contains(p.Uuid)).Select(p => new { p.Id, p.Uuid }).ToListAsync(ct);
        var providerIds = providers.Select(p => p.Id).Order().ToList();
        await ProviderLocks.Lock(db, providerIds, ct);
        var generations = await db.ResourceProviders.Where(p => providerIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.Generation, ct);
        var inventories = await db.Inventories.Where(i => providerIds.Contains(i.ResourceProviderId)).ToListAsync(ct);
        var used = await db.Allocations.Where(a => providerIds.Contains(a.ResourceProviderId))
            .GroupBy(a => new { a.ResourceProviderId, a.ResourceClassId })
            .Select(g => new { g.Key.ResourceProviderId, g.Key.ResourceClassId, Used = g.Sum(a => (long)a.Used) }).ToListAsync(ct);
        return new StoredRows(consumers, held,
            providers.Select(p => (p.Id, p.Uuid, generations[p.Id])).ToList(),
            inventories.Select(i => (i.ResourceProviderId, i.ResourceClassId, ToPlan(i))).ToList(),
            used.Select(u => (u.ResourceProviderId, u.ResourceClassId, u.Used)).ToList(), []);
    }

    public static Inventory ToPlan(InventoryRecord i) => new(i.Total, i.Reserved, i.MinUnit, i.MaxUnit, i.StepSize, i.AllocationRatio);

    /// <summary>
    /// Writes what the accepted commands changed: old allocations of replaced consumers deleted, provider generations
    /// moved, consumers removed, updated or added, and their new allocations. Nothing later in the transaction may read
    /// them back: on PostgreSQL they are queued to go with the commit (<see cref="PostgresBatches.Commit"/>), and on
    /// SQLite the consumers and allocations are staged for the commit's SaveChanges.
    /// </summary>
    public async Task Write(Snapshot snapshot, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        if (db.Database.IsNpgsql())
        {
            PostgresAllocationRows.Write(db, snapshot, now);
            return;
        }
        var replaced = snapshot.Consumers.Values.Where(c => c.Stored && c.AllocationsReplaced).Select(c => c.Uuid).ToList();
        if (replaced.Count > 0)
            await db.Allocations.Where(a => replaced.Contains(a.ConsumerUuid)).ExecuteDeleteAsync(ct);
        await ProviderGenerations.Increment(db, snapshot.Providers.Values.Where(p => p.Bumps > 0).DistinctBy(p => p.Id)
            .ToDictionary(p => p.Id, p => p.Bumps), ct);

        foreach (var consumer in snapshot.Consumers.Values.Where(c => c.Changed))
        {
            if (stored.TryGetValue(consumer.Uuid, out var record))
            {
                if (!consumer.Exists)
                {
                    db.Consumers.Remove(record);
                    continue;
                }
                (record.Generation, record.ProjectId, record.UserId, record.ConsumerTypeId, record.UpdatedAt) =
                    (consumer.Generation, consumer.ProjectId, consumer.UserId, consumer.TypeId, now);
            }
            else if (consumer.Exists)
            {
                db.Consumers.Add(new ConsumerRecord
                {
                    Uuid = consumer.Uuid, Generation = consumer.Generation, ProjectId = consumer.ProjectId, UserId = consumer.UserId,
                    ConsumerTypeId = consumer.TypeId, CreatedAt = now,
                });
            }
            if (consumer.AllocationsReplaced && consumer.Exists)
                db.Allocations.AddRange(consumer.Allocations.Select(h => new AllocationRecord
                {
                    ResourceProviderId = snapshot.ProviderOf(h.ProviderUuid).Id, ConsumerUuid = consumer.Uuid,
                    ResourceClassId = h.ClassId, Used = h.Used, CreatedAt = now,
                }));
        }
    }
}
