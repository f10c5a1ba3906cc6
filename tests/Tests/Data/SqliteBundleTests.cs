using Microsoft.Data.Sqlite;

namespace Tests.Data;

/// <summary>
/// The SQLite provider asks for SQLitePCLRaw 2.1.13 or later. Which version a restore resolves depends on the package
/// feed (2.1.13 where the feed holds it, 3.0.3 with warning NU1603 where it does not), so this proves that whichever
/// bundle resolved loads and does what the embedded default needs.
/// </summary>
public sealed class SqliteBundleTests
{
    [Fact]
    public void The_resolved_SQLitePCLRaw_bundle_loads_and_runs_SQLite_with_the_write_ahead_log()
    {
        var bundle = typeof(SQLitePCL.raw).Assembly.GetName().Version!;
        Assert.True(new Version(bundle.Major, bundle.Minor, bundle.Build) >= new Version(2, 1, 13), $"SQLitePCLRaw {bundle}");

        var file = Path.Combine(Path.GetTempPath(), $"bundle-{Guid.NewGuid():N}.db");
        try
        {
            using var connection = new SqliteConnection($"Data Source={file}");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL;";
            Assert.Equal("wal", command.ExecuteScalar());
            command.CommandText = "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT); INSERT INTO t (v) VALUES ('a'), ('b'); SELECT group_concat(v) FROM t;";
            Assert.Equal("a,b", command.ExecuteScalar());
            command.CommandText = "SELECT sqlite_version();";
            var version = Version.Parse((string)command.ExecuteScalar()!);
            Assert.True(version >= new Version(3, 35), $"SQLite {version}");
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            foreach (var f in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(file) + "*"))
                File.Delete(f);
        }
    }
}
