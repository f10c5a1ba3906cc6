using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Workers.Data;

public static class PostgresBatches
{
    /// <summary>
    /// A batch of statements (one round trip) on the context's connection, in its current transaction: the command's
    /// (the inbox's) or the admission pass's. The hand-written PostgreSQL paths read and write through it.
    /// </summary>
    public static NpgsqlBatch Batch(this ServiceDb db)
    {
        var transaction = (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("A PostgreSQL batch runs inside the caller's transaction.");
        return new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection(), transaction);
    }

    /// <summary>A statement for a batch, its parameters positional (<c>$1</c>, <c>$2</c>, ...).</summary>
    public static NpgsqlBatchCommand Statement(string sql, params NpgsqlParameter[] parameters)
    {
        var statement = new NpgsqlBatchCommand(sql);
        statement.Parameters.AddRange(parameters);
        return statement;
    }

    /// <summary>A parameter of the value's own type (null as NULL).</summary>
    public static NpgsqlParameter Value(object? value) => new() { Value = value ?? DBNull.Value };

    /// <summary>An array parameter, for <c>unnest</c> or <c>= ANY</c>.</summary>
    public static NpgsqlParameter Values<T>(IEnumerable<T> values) => new() { Value = values.ToArray() };

    /// <summary>A UTC instant (or NULL) as <c>timestamptz</c>.</summary>
    public static NpgsqlParameter Instant(DateTime? utc) => new() { Value = (object?)utc ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };

    /// <summary>UTC instants, some NULL, as a <c>timestamptz[]</c> (for <c>unnest</c>).</summary>
    public static NpgsqlParameter Instants(IEnumerable<DateTime?> utc) =>
        new() { Value = utc.Select(u => (object?)u ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz };

    /// <summary>A nullable text column of a row read.</summary>
    public static string? TextOrNull(this NpgsqlDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);

    /// <summary>A text (or NULL, still typed as text).</summary>
    public static NpgsqlParameter Text(string? text) => new() { Value = (object?)text ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    /// <summary>
    /// Queues a write to go to PostgreSQL with the transaction's COMMIT, in the same round trip (see
    /// <see cref="Commit"/>). Nothing later in the transaction reads what it writes: it has not run yet. A
    /// transaction that rolls back, or a context cleared for a fresh attempt, drops it.
    /// </summary>
    public static void WriteWithCommit(this ServiceDb db, NpgsqlBatchCommand statement) => db.StatementsForCommit.Add(statement);

    /// <summary>
    /// Saves what EF has staged (when there is any) and commits the transaction. On PostgreSQL the queued writes and
    /// COMMIT go as one batch: one round trip where the writes and the commit were two or more.
    /// </summary>
    public static async Task Commit(this ServiceDb db, IDbContextTransaction transaction, CancellationToken ct)
    {
        if (db.ChangeTracker.HasChanges())
            await db.SaveChangesAsync(ct);
        if (db.StatementsForCommit.Count == 0)
        {
            await transaction.CommitAsync(ct);
            return;
        }
        await using var batch = db.Batch();
        foreach (var statement in db.StatementsForCommit)
            batch.BatchCommands.Add(statement);
        db.StatementsForCommit.Clear();
        // The transaction ends in this batch: Npgsql sees the connection idle afterwards, so disposing the (now
        // completed) transaction sends nothing. A failing statement skips the COMMIT and the dispose rolls back.
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        await batch.ExecuteNonQueryAsync(ct);
    }
}
