using System.Text.Json;
using Contracts.Queue;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Workers.Data;
using static Workers.Data.PostgresBatches;

namespace Workers.Callbacks;

/// <summary>
/// The common outcome, a delivery's first attempt answered 2xx, recorded on PostgreSQL for many deliveries in one
/// statement without reading their rows: a delivery never attempted holds no history (<c>[]</c>), no error and no
/// first attempt, so the row it becomes is known without looking. Only rows still pending, held by this worker and
/// never attempted change; what becomes of them is exactly what <see cref="CallbackDispatcher"/>'s portable path
/// writes. At a thousand callbacks a second, reading each row back (with its body) and updating it alone was most of
/// what recording cost.
/// </summary>
public static class FirstDeliveries
{
    const string RecordDelivered = """
        UPDATE callback_deliveries d SET state = 'delivered', attempts = 1, first_attempt_at = v.a, last_error = NULL,
               history = v.h, delivered_at = $4, claimed_by = NULL, claimed_until = NULL
        FROM unnest($1::uuid[], $2::timestamptz[], $3::text[]) AS v(i, a, h)
        WHERE d.id = v.i AND d.state = 'pending' AND d.claimed_by = $5 AND d.attempts = 0
        RETURNING d.id
        """;

    /// <param name="delivered">First attempts that were delivered (2xx), by delivery id.</param>
    /// <returns>The deliveries recorded; the others were not as expected (taken over, or attempted before) and are left
    /// as they were.</returns>
    public static async Task<HashSet<Guid>> Record(ServiceDb db, IReadOnlyList<(Guid Id, CallbackAttempt Attempt)> delivered,
        string worker, DateTime now, CancellationToken ct)
    {
        // One statement, so its own transaction.
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = new NpgsqlCommand(RecordDelivered, (NpgsqlConnection)db.Database.GetDbConnection());
            command.Parameters.AddRange(new NpgsqlParameter[]
            {
                Values(delivered.Select(d => d.Id)),
                Instants(delivered.Select(d => (DateTime?)d.Attempt.At.UtcDateTime)),
                Values(delivered.Select(d => History(d.Attempt))),
                Instant(now),
                Text(worker),
            });
            await using var reader = await command.ExecuteReaderAsync(ct);
            var recorded = new HashSet<Guid>();
            while (await reader.ReadAsync(ct))
                recorded.Add(reader.GetGuid(0));
            return recorded;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    /// <summary>The history of a delivery whose only attempt is this one, as the portable path serialises it.</summary>
    public static string History(CallbackAttempt attempt) =>
        JsonSerializer.Serialize<IEnumerable<DeliveryAttempt>>([new DeliveryAttempt(attempt.At.UtcDateTime, attempt.Status, attempt.Error)]);
}
