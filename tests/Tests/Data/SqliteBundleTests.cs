using Microsoft.Data.Sqlite;

namespace Tests.Data;

/// <summary>
/// The SQLite provider asks for SQLitePCLRaw 2.1.x, which the package feed here lacks; 3.0.3 resolves instead
/// (restore warning NU1603). This proves the resolved native bundle loads and does what the embedded default needs.
/// </summary>
public sealed class SqliteBundleTests
{
    [Fact]
    public void The_resolved_SQLitePCLRaw_bundle_loads_and_runs_SQLite_with_the_write_ahead_log()
    {
        var bundle = typeof(SQLitePCL.raw).Assembly.GetName().Version!;
        Assert.Equal(new Version(3, 0, 3), new Version(bundle.Major, bundle.Minor, bundle.Build));

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
