using System.ComponentModel.DataAnnotations;

namespace Workers.Data;

/// <summary>The <c>Database</c> section: which provider; the connection string is <c>ConnectionStrings:Database</c>.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    [AllowedValues("Sqlite", "Postgres")]
    public string Provider { get; set; } = "Sqlite";

    public bool IsSqlite => Provider == "Sqlite";
}
