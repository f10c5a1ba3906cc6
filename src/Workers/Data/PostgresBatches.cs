using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

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
}
