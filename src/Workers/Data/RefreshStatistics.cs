using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Quartz;

namespace Workers.Data;

/// <summary>
/// Quartz job, on PostgreSQL: analyzes the service's tables that have grown to at least twice the rows their last
/// analysis counted (and to at least <see cref="MinRows"/>). Npgsql prepares each statement once per connection, and a
/// plan made while a table was nearly empty and without statistics stays as it grows, until the table is analyzed: on
/// a fresh database a lookup of a job by its request id among 10,000 scanned every job of its type through another
/// index (2.5 ms; 0.04 ms once analyzed). Autovacuum analyzes too, but looks at each table once a minute
/// (<c>autovacuum_naptime</c>). This job steps in only for growth; changes in place (generations, statuses) are left
/// to autovacuum. One worker at a time does it.
/// </summary>
[DisallowConcurrentExecution]
public sealed class RefreshStatistics(ServiceDb db, ILogger<RefreshStatistics> logger) : IJob
{
    public static readonly JobKey Key = new(nameof(RefreshStatistics));
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    public const int MinRows = 1000;

    sealed class Grown
    {
        public string Name { get; init; } = "";
        public long Rows { get; init; }
        public double Counted { get; init; }
    }

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        if (!db.Database.IsNpgsql())
            return;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await db.Database.SqlQueryRaw<bool>("SELECT pg_try_advisory_xact_lock(hashtext('refresh_statistics')) AS \"Value\"")
                .SingleAsync(cancellationToken))
            return;
        var grown = await db.Database.SqlQueryRaw<Grown>("""
            SELECT s.relname AS "Name", s.n_live_tup AS "Rows", c.reltuples::float8 AS "Counted"
            FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
            WHERE s.schemaname = current_schema() AND s.n_live_tup >= greatest({0}, 2 * c.reltuples)
            ORDER BY s.relname
            """, MinRows).ToListAsync(cancellationToken);
        foreach (var table in grown)
        {
            var analyze = "ANALYZE \"" + table.Name.Replace("\"", "\"\"") + "\"";
            await db.Database.ExecuteSqlRawAsync(analyze, cancellationToken);
            logger.LogInformation("Analyzed {Table}: about {Rows} rows, {Counted} at its last analysis",
                table.Name, table.Rows, table.Counted < 0 ? "none" : ((long)table.Counted).ToString(CultureInfo.InvariantCulture));
        }
        await transaction.CommitAsync(cancellationToken);
    }
}
