using Npgsql;
using Tests.Hosts;
using Workers.Data;
using Workers.Queue;

namespace Tests.Data;

/// <summary>
/// On PostgreSQL a pass that holds what its callbacks need moves its jobs to running with its COMMIT
/// (<see cref="AdmissionWrites.MoveToRunningWithCommit"/>): when a job planned is no longer queued, nothing the pass
/// queued for that commit is written.
/// </summary>
public sealed class AdmissionMoveCheckTests
{
    [Fact]
    public async Task Jobs_all_still_queued_move_to_running_with_the_commit()
    {
        var (database, options) = await TestServers.CreateMigratedDatabase("movecheck");
        var (a, b) = (await Job(database, "a", "queued"), await Job(database, "b", "queued"));
        var at = new DateTime(2026, 11, 23, 5, 0, 0, DateTimeKind.Utc);

        await using (var db = new ServiceDb(options))
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            AdmissionWrites.MoveToRunningWithCommit(db, [(a, null), (b, at.AddHours(1))], at);
            await db.Commit(transaction, CancellationToken.None);
        }

        Assert.Equal(["a running 05:00 -", "b running 05:00 06:00"], await Jobs(database));
    }

    [Fact]
    public async Task A_job_that_left_the_queue_fails_the_commit_and_nothing_queued_for_it_is_written()
    {
        var (database, options) = await TestServers.CreateMigratedDatabase("movecheck");
        var (a, b) = (await Job(database, "a", "queued"), await Job(database, "b", "done"));
        var c = await Job(database, "c", "queued");
        var at = new DateTime(2026, 11, 23, 5, 0, 0, DateTimeKind.Utc);

        await using (var db = new ServiceDb(options))
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            AdmissionWrites.MoveToRunningWithCommit(db, [(a, null), (b, null)], at);
            AdmissionWrites.Reason(db, [c], "written only with the move");
            var failure = await Assert.ThrowsAnyAsync<Exception>(() => db.Commit(transaction, CancellationToken.None));
            Assert.True(AdmissionWrites.LeftTheQueue(failure), failure.ToString());
        }

        Assert.Equal(["a queued - -", "b done - -", "c queued - -"], await Jobs(database));
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var reason = new NpgsqlCommand("SELECT count(*) FROM jobs WHERE reason IS NOT NULL", connection);
        Assert.Equal(0L, await reason.ExecuteScalarAsync());
    }

    static async Task<long> Job(string database, string requestId, string status)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            INSERT INTO jobs (type, request_id, owner_id, data, callback, priority, status, created_at, updated_at, queued_since)
            VALUES ('vm', @r, 'p1', '{}', 'http://example.test/' || @r, 0, @s, now(), now(), now()) RETURNING id
            """, connection);
        command.Parameters.AddWithValue("r", requestId);
        command.Parameters.AddWithValue("s", status);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <returns>Each job as "request id, status, admitted at, expires at" (hh:mm UTC, or -), in request id order.</returns>
    static async Task<List<string>> Jobs(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT request_id || ' ' || status || ' ' || coalesce(to_char(admitted_at AT TIME ZONE 'UTC', 'HH24:MI'), '-') || ' '
                   || coalesce(to_char(expires_at AT TIME ZONE 'UTC', 'HH24:MI'), '-')
            FROM jobs ORDER BY request_id
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
            rows.Add(reader.GetString(0));
        return rows;
    }
}
