using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;
using Workers.Data;
using Workers.Placement;

namespace Workers.Queue;

/// <summary>
/// <see cref="AdmissionPass"/>'s reads on PostgreSQL: the admission lock (<see cref="QueueLocks.AdmissionLock"/>),
/// then the queued jobs and the cloud, in one batch of statements, so one round trip. Each statement after the lock
/// reads what was committed when it started, so after the lock was granted. The queued jobs are those of the portable
/// path; of the cloud, every provider's row is read, and the rest only for the providers that changed since
/// <see cref="CloudCache"/> last read them.
/// </summary>
public static class PostgresAdmissionReads
{
    // The queued types are found by skipping through the partial index of queued jobs (one probe per type), and each
    // type's jobs come from the same index in queue order: a strict type's first $1 + 1 (all of them when $1 is null),
    // a backfill type's all. A type is backfill when configured so ($2), or when not configured strict ($3) and the
    // default is backfill ($4).
    const string QueuedJobs = """
        WITH RECURSIVE types AS (
            (SELECT type FROM jobs WHERE status = 'queued' ORDER BY type LIMIT 1)
            UNION ALL
            SELECT (SELECT j.type FROM jobs j WHERE j.status = 'queued' AND j.type > t.type ORDER BY j.type LIMIT 1)
            FROM types t WHERE t.type IS NOT NULL)
        SELECT q.id, q.type, q.priority, q.queued_since FROM types t CROSS JOIN LATERAL (
            SELECT j.id, j.type, j.priority, j.queued_since FROM jobs j WHERE j.status = 'queued' AND j.type = t.type
            ORDER BY j.priority, j.id
            LIMIT CASE WHEN t.type = ANY($2) OR ($4 AND NOT t.type = ANY($3)) THEN NULL ELSE $1 + 1 END) q
        WHERE t.type IS NOT NULL
        """;

    // Every provider's row comes before the details: see CloudCache for why that order makes the merge sound.
    const string Providers = "SELECT id, uuid, name, parent_provider_id, change_version FROM resource_providers";
    const string Classes = "SELECT id, name FROM resource_classes";

    // The details of the providers whose change version differs from the cache's ($1 ids, $2 versions), or that it does
    // not hold, in one statement: the set of changed providers is worked out once (a CTE named twice or more is
    // computed once), and every kind of detail comes from the same snapshot. The first column tells the kind. As an
    // ARRAY, the set is a value each part looks its rows up with by index; as a join, the prepared statement's generic
    // plan scanned every allocation to sum the few changed providers' (3.6 against 2.4 ms at 15,000 allocations).
    const string Details = """
        WITH changed AS (
            SELECT p.id FROM resource_providers p LEFT JOIN unnest($1::bigint[], $2::bigint[]) AS known(id, version) ON known.id = p.id
            WHERE known.version IS DISTINCT FROM p.change_version)
        SELECT 1 AS kind, resource_provider_id, resource_class_id, total, reserved, min_unit, max_unit, step_size, allocation_ratio,
               NULL::bigint AS used, NULL::text AS name
        FROM inventories WHERE resource_provider_id = ANY(ARRAY(SELECT id FROM changed))
        UNION ALL
        SELECT 2, resource_provider_id, resource_class_id, NULL, NULL, NULL, NULL, NULL, NULL, sum(used), NULL
        FROM allocations WHERE resource_provider_id = ANY(ARRAY(SELECT id FROM changed)) GROUP BY resource_provider_id, resource_class_id
        UNION ALL
        SELECT 3, pt.resource_provider_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, t.name
        FROM resource_provider_traits pt JOIN traits t ON t.id = pt.trait_id WHERE pt.resource_provider_id = ANY(ARRAY(SELECT id FROM changed))
        UNION ALL
        SELECT 4, pa.resource_provider_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, a.uuid
        FROM resource_provider_aggregates pa JOIN placement_aggregates a ON a.id = pa.aggregate_id
        WHERE pa.resource_provider_id = ANY(ARRAY(SELECT id FROM changed))
        """;

    /// <param name="window">How many jobs of each strict type to give (one more is read, to tell whether there are
    /// more); null for every queued job.</param>
    /// <param name="basis">What the cloud cache holds: the details of providers whose version it holds are not read.</param>
    public static async Task<(List<AdmissionPass.QueuedRow> Jobs, CloudCache.Read Cloud)> Read(
        ServiceDb db, int? window, QueueOptions options, CloudCache.Basis basis, CancellationToken ct)
    {
        await using var batch = db.Batch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(QueueLocks.AdmissionLock));
        var configured = options.Types.Keys.ToLookup(options.IsBackfill);
        var queued = new NpgsqlBatchCommand(QueuedJobs);
        queued.Parameters.Add(new NpgsqlParameter { Value = (object?)window ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        queued.Parameters.Add(new NpgsqlParameter { Value = configured[true].ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        queued.Parameters.Add(new NpgsqlParameter { Value = configured[false].ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        queued.Parameters.Add(new NpgsqlParameter { Value = (options.Defaults.Policy ?? TypePolicy.Strict) == TypePolicy.Backfill });
        batch.BatchCommands.Add(queued);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(Providers));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(Classes));
        batch.BatchCommands.Add(PostgresBatches.Statement(Details, PostgresBatches.Values(basis.Ids), PostgresBatches.Values(basis.Versions)));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.NextResultAsync(ct); // the lock's

        var jobs = new List<AdmissionPass.QueuedRow>();
        while (await reader.ReadAsync(ct))
            jobs.Add(new(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetDateTime(3)));
        await reader.NextResultAsync(ct);
        var providers = new List<CloudCache.ProviderRow>();
        while (await reader.ReadAsync(ct))
            providers.Add(new(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetInt64(3), reader.GetInt64(4)));
        await reader.NextResultAsync(ct);
        var classes = new Dictionary<int, string>();
        while (await reader.ReadAsync(ct))
            classes[reader.GetInt32(0)] = reader.GetString(1);
        await reader.NextResultAsync(ct);
        var inventories = new List<(long, int, AllocationPlanner.Inventory)>();
        var used = new List<(long, int, long)>();
        var traits = new List<(long, string)>();
        var aggregates = new List<(long, Guid)>();
        while (await reader.ReadAsync(ct))
        {
            var provider = reader.GetInt64(1);
            switch (reader.GetInt32(0))
            {
                case 1:
                    inventories.Add((provider, reader.GetInt32(2), new AllocationPlanner.Inventory(reader.GetInt32(3), reader.GetInt32(4),
                        reader.GetInt32(5), reader.GetInt32(6), reader.GetInt32(7), reader.GetDouble(8))));
                    break;
                case 2:
                    used.Add((provider, reader.GetInt32(2), reader.GetInt64(9)));
                    break;
                case 3:
                    traits.Add((provider, reader.GetString(10)));
                    break;
                default:
                    aggregates.Add((provider, Guid.Parse(reader.GetString(10))));
                    break;
            }
        }
        return (jobs, new CloudCache.Read(providers, classes, inventories, used, traits, aggregates));
    }

    /// <summary>The parts of newly seen queued jobs that never change (<see cref="AdmissionCache"/>, with the
    /// callback's <see cref="AdmissionCache.Payload"/> when short enough) and their instance rows, in one round trip.</summary>
    public static async Task<(List<AdmissionPass.NewJob> Jobs, List<JobInstanceRecord> Instances)> NewJobs(
        ServiceDb db, IReadOnlyList<long> ids, CancellationToken ct)
    {
        await using var batch = db.Batch();
        batch.BatchCommands.Add(PostgresBatches.Statement(
            "SELECT id, type, request_id, owner_id, project, aggregate_uuid, aggregate_label, reason, created_at, callback, " +
            "CASE WHEN length(data) + length(callback) <= $2 THEN data END FROM jobs WHERE id = ANY($1)",
            PostgresBatches.Values(ids), PostgresBatches.Value(AdmissionCache.PayloadLimit)));
        batch.BatchCommands.Add(PostgresBatches.Statement(
            "SELECT job_id, idx, server_uuid, vcpu, memory_mb, disk_gb, resources, traits, device_profile, host, provider_uuid " +
            "FROM job_instances WHERE job_id = ANY($1)", PostgresBatches.Values(ids)));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var jobs = new List<AdmissionPass.NewJob>(ids.Count);
        while (await reader.ReadAsync(ct))
            jobs.Add(new(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.TextOrNull(4),
                reader.IsDBNull(5) ? null : reader.GetGuid(5), reader.TextOrNull(6), reader.TextOrNull(7))
            {
                Payload = reader.TextOrNull(10) is { } data ? new AdmissionCache.Payload(data, reader.GetString(9), reader.GetDateTime(8)) : null,
            });
        await reader.NextResultAsync(ct);
        var instances = new List<JobInstanceRecord>();
        while (await reader.ReadAsync(ct))
            instances.Add(new JobInstanceRecord
            {
                JobId = reader.GetInt64(0), Index = reader.GetInt32(1), ServerUuid = reader.GetGuid(2), Vcpu = reader.GetInt32(3),
                MemoryMb = reader.GetInt32(4), DiskGb = reader.GetInt32(5), Resources = reader.GetString(6), Traits = reader.GetString(7),
                DeviceProfile = reader.TextOrNull(8), Host = reader.TextOrNull(9), ProviderUuid = reader.IsDBNull(10) ? null : reader.GetGuid(10),
            });
        return (jobs, instances);
    }
}
