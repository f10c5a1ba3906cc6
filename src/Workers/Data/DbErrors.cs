using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Workers.Data;

public static class DbErrors
{
    /// <summary>
    /// A unique or foreign-key constraint, or a concurrency token, refused the write: another transaction got there first (the same
    /// command redelivered, or a concurrent writer). Re-running the command sees the winner's commit.
    /// </summary>
    public static bool IsConstraintViolation(Exception e) => e switch
    {
        // A row's concurrency token (a job's status) changed since it was read.
        DbUpdateConcurrencyException => true,
        DbUpdateException { InnerException: { } inner } => IsConstraintViolation(inner),
        PostgresException pg => pg.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.ForeignKeyViolation,
        SqliteException sqlite => sqlite.SqliteErrorCode == 19, // SQLITE_CONSTRAINT
        _ => false,
    };
}
