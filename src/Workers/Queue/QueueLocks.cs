using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Queue;

/// <summary>
/// Serialises the changes that read a type's queue order before writing it (front, back, after, before), so two
/// concurrent moves cannot compute the same slot. On PostgreSQL a transaction-scoped advisory lock per type; SQLite
/// runs one writer at a time anyway.
/// </summary>
public static class QueueLocks
{
    public static async Task LockType(ServiceDb db, string type, CancellationToken ct)
    {
        if (db.Database.IsNpgsql())
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtext({"queue-order:" + type}))", ct);
    }
}
