using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

/// <summary>
/// The lock <see cref="AllocationWriter"/> takes on the consumers it writes (FOR NO KEY UPDATE, in uuid order, so
/// lockers of overlapping sets queue instead of deadlocking). A command that deletes a consumer's allocations takes it
/// first: what it then reads of them is what the last writer committed, and no writer adds any until it commits. (No
/// foreign key deletes them with their consumer.) SQLite runs one writer at a time, so there it is not needed.
/// </summary>
public static class ConsumerLocks
{
    public static async Task Lock(ServiceDb db, IReadOnlyCollection<Guid> uuids, CancellationToken ct)
    {
        if (uuids.Count > 0 && db.Database.IsNpgsql())
        {
            var ordered = uuids.Distinct().Order().ToArray();
            await db.Database.ExecuteSqlAsync($"SELECT uuid FROM consumers WHERE uuid = ANY({ordered}) ORDER BY uuid FOR NO KEY UPDATE", ct);
        }
    }
}
