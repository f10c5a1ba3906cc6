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

    /// <summary>
    /// One admission pass at a time across every worker: a pass reads the whole queue and plans against it, so two at
    /// once could admit the same job or break strict order. On PostgreSQL this lock is the first statement of the
    /// pass's read batch (<see cref="PostgresAdmissionReads"/>): the reads after it see what the previous pass
    /// committed. SQLite runs one process (and one writer) anyway; there the loop being single in the process is the
    /// serialisation.
    /// </summary>
    public const string AdmissionLock = "SELECT pg_advisory_xact_lock(hashtext('queue-admission'))";
}
