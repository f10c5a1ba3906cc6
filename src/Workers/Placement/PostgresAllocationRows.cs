using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Workers.Data;
using static Workers.Data.PostgresBatches;
using static Workers.Placement.AllocationPlanner;

namespace Workers.Placement;

/// <summary>
/// <see cref="AllocationWriter"/>'s rows on PostgreSQL: every read one batch (one round trip), every write queued to
/// go with the commit (no round trip of its own), arrays unnested into rows, whatever the number of consumers and
/// providers. The statements' texts never vary, so each connection prepares them once. The rows and their meaning are exactly those of the portable path.
/// </summary>
public static class PostgresAllocationRows
{
    // Consumers first, then providers in id order: the same order as every other writer, so writers queue, never
    // deadlock. FOR NO KEY UPDATE is the lock an UPDATE of the row takes (ProviderLocks, ProviderGenerations), and like
    // it leaves foreign-key checks of inserted allocations alone. The providers are those named and those the locked
    // consumers hold; the later statements run after the locks are granted, so they read what the lock holders last
    // committed.
    // The subquery runs once per statement (an ARRAY of ids), so each statement looks its rows up by index.
    const string LockedProviders = """
        ARRAY(SELECT id FROM resource_providers WHERE uuid = ANY($2)
              UNION SELECT resource_provider_id FROM allocations WHERE consumer_uuid = ANY($1))
        """;

    static readonly string[] ReadStatements =
    [
        """
        SELECT uuid, generation, project_id, user_id, consumer_type_id, created_at FROM consumers
        WHERE uuid = ANY($1) ORDER BY uuid FOR NO KEY UPDATE
        """,
        // Scalar subqueries, not joins: looked up by index per row held, where a prepared statement's generic plan
        // could otherwise hash whole tables for a batch of new consumers that hold nothing.
        """
        SELECT a.consumer_uuid, (SELECT p.uuid FROM resource_providers p WHERE p.id = a.resource_provider_id), a.resource_class_id,
               (SELECT rc.name FROM resource_classes rc WHERE rc.id = a.resource_class_id), a.used
        FROM allocations a WHERE a.consumer_uuid = ANY($1) ORDER BY a.id
        """,
        $"""
        SELECT id, uuid, generation FROM resource_providers WHERE id = ANY({LockedProviders}) ORDER BY id FOR NO KEY UPDATE
        """,
        $"""
        SELECT resource_provider_id, resource_class_id, total, reserved, min_unit, max_unit, step_size, allocation_ratio
        FROM inventories WHERE resource_provider_id = ANY({LockedProviders})
        """,
        $"""
        SELECT resource_provider_id, resource_class_id, sum(used)::bigint FROM allocations
        WHERE resource_provider_id = ANY({LockedProviders}) GROUP BY resource_provider_id, resource_class_id
        """,
    ];

    // Custom resource classes can be renamed or deleted, so their ids are read in the transaction that uses them; in
    // the same round trip as the rest, not one of their own.
    const string Classes = "SELECT id, name FROM resource_classes WHERE name = ANY($1)";

    /// <param name="classNames">Resource class names to look up (those whose ids are not known for good).</param>
    public static async Task<AllocationWriter.StoredRows> Read(ServiceDb db, List<Guid> consumers, List<Guid> providers,
        IReadOnlyCollection<string> classNames, CancellationToken ct)
    {
        await using var batch = db.Batch();
        foreach (var sql in ReadStatements)
            batch.BatchCommands.Add(Statement(sql, Uuids(consumers), Uuids(providers)));
        if (classNames.Count > 0)
            batch.BatchCommands.Add(Statement(Classes, Values(classNames)));
        await using var reader = await batch.ExecuteReaderAsync(ct);

        var stored = new List<ConsumerRecord>();
        while (await reader.ReadAsync(ct))
            stored.Add(new ConsumerRecord
            {
                Uuid = reader.GetGuid(0), Generation = reader.GetInt64(1), ProjectId = reader.GetInt32(2), UserId = reader.GetInt32(3),
                ConsumerTypeId = reader.IsDBNull(4) ? null : reader.GetInt32(4), CreatedAt = reader.GetDateTime(5),
            });
        await reader.NextResultAsync(ct);
        var held = new List<(Guid, Held)>();
        while (await reader.ReadAsync(ct))
            held.Add((reader.GetGuid(0), new Held(reader.GetGuid(1), reader.GetInt32(2), reader.GetString(3), reader.GetInt32(4))));
        await reader.NextResultAsync(ct);
        var locked = new List<(long, Guid, long)>();
        while (await reader.ReadAsync(ct))
            locked.Add((reader.GetInt64(0), reader.GetGuid(1), reader.GetInt64(2)));
        // A provider created between the lock and these reads is not in the snapshot: its rows are left out.
        var lockedIds = locked.Select(p => p.Item1).ToHashSet();
        await reader.NextResultAsync(ct);
        var inventories = new List<(long, int, Inventory)>();
        while (await reader.ReadAsync(ct))
            if (lockedIds.Contains(reader.GetInt64(0)))
                inventories.Add((reader.GetInt64(0), reader.GetInt32(1), new Inventory(reader.GetInt32(2), reader.GetInt32(3),
                    reader.GetInt32(4), reader.GetInt32(5), reader.GetInt32(6), reader.GetDouble(7))));
        await reader.NextResultAsync(ct);
        var used = new List<(long, int, long)>();
        while (await reader.ReadAsync(ct))
            if (lockedIds.Contains(reader.GetInt64(0)))
                used.Add((reader.GetInt64(0), reader.GetInt32(1), reader.GetInt64(2)));
        var classes = new List<(string, int)>();
        if (classNames.Count > 0 && await reader.NextResultAsync(ct))
            while (await reader.ReadAsync(ct))
                classes.Add((reader.GetString(1), reader.GetInt32(0)));
        return new AllocationWriter.StoredRows(stored, held, locked, inventories, used, classes);
    }

    /// <summary>Queues the snapshot's changes to go with the transaction's commit (<see cref="PostgresBatches.Commit"/>).</summary>
    public static void Write(ServiceDb db, Snapshot snapshot, DateTime now)
    {
        var consumers = snapshot.Consumers.Values;
        var replaced = consumers.Where(c => c.Stored && c.AllocationsReplaced).Select(c => c.Uuid).ToList();
        if (replaced.Count > 0)
            db.WriteWithCommit(Statement("DELETE FROM allocations WHERE consumer_uuid = ANY($1)", Uuids(replaced)));

        var bumped = snapshot.Providers.Values.Where(p => p.Bumps > 0).DistinctBy(p => p.Id).ToList();
        if (bumped.Count > 0)
            db.WriteWithCommit(Statement("""
                UPDATE resource_providers SET generation = resource_providers.generation + v.n
                FROM unnest($1::bigint[], $2::integer[]) AS v(id, n) WHERE resource_providers.id = v.id
                """, Values(bumped.Select(p => p.Id)), Values(bumped.Select(p => p.Bumps))));

        var changed = consumers.Where(c => c.Changed).ToList();
        var removed = changed.Where(c => c.Stored && !c.Exists).Select(c => c.Uuid).ToList();
        if (removed.Count > 0)
            db.WriteWithCommit(Statement("DELETE FROM consumers WHERE uuid = ANY($1)", Uuids(removed)));
        var updated = changed.Where(c => c.Stored && c.Exists).ToList();
        if (updated.Count > 0)
            db.WriteWithCommit(Statement("""
                UPDATE consumers SET generation = v.g, project_id = v.p, user_id = v.u, consumer_type_id = NULLIF(v.t, 0), updated_at = $6
                FROM unnest($1::uuid[], $2::bigint[], $3::integer[], $4::integer[], $5::integer[]) AS v(c, g, p, u, t)
                WHERE consumers.uuid = v.c
                """, Uuids(updated.Select(c => c.Uuid)), Values(updated.Select(c => c.Generation)), Values(updated.Select(c => c.ProjectId)),
                Values(updated.Select(c => c.UserId)), Values(updated.Select(c => c.TypeId ?? 0)), Instant(now)));
        var added = changed.Where(c => !c.Stored && c.Exists).ToList();
        if (added.Count > 0)
            db.WriteWithCommit(Statement("""
                INSERT INTO consumers (uuid, generation, project_id, user_id, consumer_type_id, created_at)
                SELECT c, g, p, u, NULLIF(t, 0), $6 FROM unnest($1::uuid[], $2::bigint[], $3::integer[], $4::integer[], $5::integer[]) AS v(c, g, p, u, t)
                """, Uuids(added.Select(c => c.Uuid)), Values(added.Select(c => c.Generation)), Values(added.Select(c => c.ProjectId)),
                Values(added.Select(c => c.UserId)), Values(added.Select(c => c.TypeId ?? 0)), Instant(now)));

        var allocations = changed.Where(c => c.AllocationsReplaced && c.Exists)
            .SelectMany(c => c.Allocations.Select(h => (Consumer: c.Uuid, Held: h))).ToList();
        if (allocations.Count > 0)
            db.WriteWithCommit(Statement("""
                INSERT INTO allocations (resource_provider_id, consumer_uuid, resource_class_id, used, created_at)
                SELECT p, c, rc, u, $5 FROM unnest($1::bigint[], $2::uuid[], $3::integer[], $4::integer[]) AS v(p, c, rc, u)
                """, Values(allocations.Select(a => snapshot.ProviderOf(a.Held.ProviderUuid).Id)), Uuids(allocations.Select(a => a.Consumer)),
                Values(allocations.Select(a => a.Held.ClassId)), Values(allocations.Select(a => a.Held.Used)), Instant(now)));
    }

    static NpgsqlParameter Uuids(IEnumerable<Guid> values) => new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid };
}
