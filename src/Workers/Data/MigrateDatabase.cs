using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Workers.Placement;

namespace Workers.Data;

/// <summary>
/// Applies the schema migrations when a worker starts, before its consumers do, and adds the standard resource
/// classes and traits the database lacks. EF Core's <c>Migrate()</c> takes a
/// database-wide migration lock, so several workers starting at once apply each migration exactly once.
/// </summary>
public sealed class MigrateDatabase(IServiceScopeFactory scopes, TimeProvider clock, ILogger<MigrateDatabase> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ServiceDb>();
        if (db.Database.IsSqlite())
            await EnableWriteAheadLog(db, cancellationToken);
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        await db.Database.MigrateAsync(cancellationToken);
        await StandardNames.Sync(db, clock.GetUtcNow().UtcDateTime, cancellationToken);
        logger.LogInformation("Database schema is current ({Applied} migrations applied now)", pending.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // WAL lets readers proceed while one consumer writes; the mode is stored in the file, so once is enough.
    static async Task EnableWriteAheadLog(ServiceDb db, CancellationToken cancellationToken)
    {
        var path = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
        if (!string.IsNullOrEmpty(path) && path != ":memory:" && Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir)
            Directory.CreateDirectory(dir);
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
    }
}
