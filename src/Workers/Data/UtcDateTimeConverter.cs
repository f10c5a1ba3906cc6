using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Workers.Data;

/// <summary>
/// Every instant is stored as UTC. SQLite hands values back with an unspecified kind and Npgsql refuses non-UTC
/// values for <c>timestamptz</c>, so both directions pin the kind.
/// </summary>
public sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
    v => v.Kind == DateTimeKind.Utc ? v : v.Kind == DateTimeKind.Local ? v.ToUniversalTime() : DateTime.SpecifyKind(v, DateTimeKind.Utc),
    v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
