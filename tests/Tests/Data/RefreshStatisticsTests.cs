using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Quartz;
using Tests.Hosts;
using Workers.Data;

namespace Tests.Data;

/// <summary>
/// On PostgreSQL a table that grew to twice what its last analysis counted is analyzed again at once, so statements that
/// Npgsql prepared while it was empty get plans for its real size; other tables are left to autovacuum.
/// </summary>
public sealed class RefreshStatisticsTests
{
    [Fact]
    public async Task A_table_that_grew_from_nothing_is_analyzed_and_its_lookups_use_the_right_index_while_small_or_updated_ones_are_left_alone()
    {
        var database = await TestServers.CreateDatabase("refresh_stats");
        await using var workers = await WorkerHarness.OnPostgres(database);
        await using var scope = workers.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ServiceDb>();
        // A lookup by request id, prepared with a generic plan while the table is empty, as Npgsql prepares it.
        await using var lookup = new NpgsqlConnection(database);
        await lookup.OpenAsync();
        await Execute(lookup, """
            SET plan_cache_mode = force_generic_plan;
            PREPARE find(varchar, varchar) AS SELECT id FROM jobs WHERE type = $1 AND request_id = $2 LIMIT 2;
            EXECUTE find('vm', 'r1');
            """);
        await db.Database.ExecuteSqlRawAsync("""
            INSERT INTO jobs (type, request_id, owner_id, data, callback, priority, status, created_at, updated_at, queued_since)
            SELECT 'vm', 'r' || g, 'o', '{{}}', 'http://192.0.2.1/' || g, g, 'queued', now(), now(), now() FROM generate_series(1, 3000) AS g;
            INSERT INTO inbox (message_id, message_type, response_type, response_json, received_at)
            SELECT gen_random_uuid(), 'm', 'r', '{{}}', now() FROM generate_series(1, 20);
            """);
        var job = new RefreshStatistics(db, NullLogger<RefreshStatistics>.Instance);

        // The counts reach pg_stat_user_tables when the inserting backend reports them, within a second or so.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await Analyzed(db, "jobs") == 0 && DateTime.UtcNow < deadline)
        {
            await job.Execute(null!, CancellationToken.None);
            if (await Analyzed(db, "jobs") == 0)
                await Task.Delay(200);
        }

        Assert.Equal(1, await Analyzed(db, "jobs"));
        Assert.Equal(0, await Analyzed(db, "inbox"));
        Assert.InRange(await db.Database.SqlQueryRaw<float>("SELECT reltuples AS \"Value\" FROM pg_class WHERE relname = 'jobs'").SingleAsync(), 2900, 3100);

        Assert.Contains("uniq_jobs0type_request_id", await Plan(lookup, "EXPLAIN EXECUTE find('vm', 'r2999')"));

        // Changes in place, even to every row, are left to autovacuum: only growth counts.
        await db.Database.ExecuteSqlRawAsync("UPDATE jobs SET status = 'running'");
        deadline = DateTime.UtcNow.AddSeconds(20);
        while (await db.Database.SqlQueryRaw<long>("SELECT n_tup_upd AS \"Value\" FROM pg_stat_user_tables WHERE relname = 'jobs'").SingleAsync() < 3000
               && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        await job.Execute(null!, CancellationToken.None);
        Assert.Equal(1, await Analyzed(db, "jobs"));
    }

    [Fact]
    public async Task The_workers_schedule_the_refresh_with_Quartz()
    {
        await using var workers = await WorkerHarness.OnPostgres(await TestServers.CreateDatabase("refresh_stats_sched"));
        var scheduler = await workers.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        var trigger = Assert.Single(await scheduler.GetTriggersOfJob(RefreshStatistics.Key));
        Assert.Equal(RefreshStatistics.Interval, Assert.IsAssignableFrom<ISimpleTrigger>(trigger).RepeatInterval);
    }

    static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    static async Task<string> Plan(NpgsqlConnection connection, string explain)
    {
        await using var command = new NpgsqlCommand(explain, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
            lines.Add(reader.GetString(0));
        return string.Join("\n", lines);
    }

    /// <summary>How many times the service (not autovacuum) analyzed the table.</summary>
    static Task<long> Analyzed(ServiceDb db, string table) =>
        db.Database.SqlQueryRaw<long>("SELECT analyze_count AS \"Value\" FROM pg_stat_user_tables WHERE relname = {0}", table).SingleAsync();
}
