using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Workers.Placement;

namespace Workers.Data;

/// <summary>
/// Applies the schema migrations when a worker starts, before its consumers do, and adds the standard resource
/// classes and traits the database lacks. Several workers may start at once against one database.
/// </summary>
public sealed class MigrateDatabase(IServiceScopeFactory scopes, TimeProvider clock, ILogger<MigrateDatabase> logger) : IHostedService
{
    // Any constant works; it only has to be the same in every worker.
    const long PostgresMigrationLock = 0x61646d697373;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var applied = await Apply(scope.ServiceProvider.GetRequiredService<ServiceDb>(), clock.GetUtcNow().UtcDateTime, cancellationToken);
        logger.LogInformation("Database schema is current ({Applied} migrations applied now)", applied);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Migrates under a lock held for the whole run. EF Core's own migration lock on PostgreSQL lasts one
    /// migration's transaction, so with several pending migrations two workers could interleave and the second
    /// would create tables the first had made; a session advisory lock serialises the whole run instead.
    /// </summary>
    /// <returns>How many migrations this call applied.</returns>
    public static async Task<int> Apply(ServiceDb db, DateTime now, CancellationToken ct)
    {
        if (db.Database.IsSqlite())
            await EnableWriteAheadLog(db, ct);
        var postgres = db.Database.IsNpgsql();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            if (postgres)
                await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_lock({PostgresMigrationLock})", ct);
            // Asking a fresh database for its applied migrations makes EF log a failed query; ask the history first.
            var history = db.GetService<IHistoryRepository>();
            var applied = await history.ExistsAsync(ct) ? (await history.GetAppliedMigrationsAsync(ct)).Count : 0;
            var pending = db.Database.GetMigrations().Count() - applied;
            await db.Database.MigrateAsync(ct);
            await StandardNames.Sync(db, now, ct);
            return pending;
        }
        finally
        {
            if (postgres)
                await db.Database.ExecuteSqlRawAsync($"SELECT pg_advisory_unlock({PostgresMigrationLock})", CancellationToken.None);
            await db.Database.CloseConnectionAsync();
        }
    }

    // WAL lets readers proceed while one consumer writes; the mode is stored in the file, so once is enough.
    static async Task EnableWriteAheadLog(ServiceDb db, CancellationToken cancellationToken)
    {
        var path = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
        if (!string.IsNullOrEmpty(path) && path != ":memory:" && Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir)
            Directory.CreateDirectory(dir);
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
    }
}
