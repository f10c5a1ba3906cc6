using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;
using Tests.Hosts;
using Workers.Data;

namespace Tests.Data;

/// <summary>
/// The migrations are written by hand (no EF design-time tools here), so this guards that applying them gives
/// exactly the schema the model describes, on both providers: same tables, columns, types, nullability, indexes
/// and foreign keys as <c>EnsureCreated</c> makes from the model.
/// </summary>
public sealed class MigrationSchemaTests
{
    static DbContextOptions<ServiceDb> Options(Action<DbContextOptionsBuilder<ServiceDb>> provider)
    {
        var builder = new DbContextOptionsBuilder<ServiceDb>();
        provider(builder);
        builder.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
        return builder.Options;
    }

    [Fact]
    public async Task On_SQLite_the_migrations_build_the_schema_the_model_describes()
    {
        var directory = Directory.CreateTempSubdirectory("schema-").FullName;
        try
        {
            var migrated = $"Data Source={Path.Combine(directory, "migrated.db")}";
            var created = $"Data Source={Path.Combine(directory, "created.db")}";
            await using (var db = new ServiceDb(Options(o => o.UseSqlite(migrated)))) await db.Database.MigrateAsync();
            await using (var db = new ServiceDb(Options(o => o.UseSqlite(created)))) await db.Database.EnsureCreatedAsync();

            var expected = await SqliteSchema(created);
            Assert.Contains(expected, line => line.StartsWith("resource_providers.column uuid"));
            Assert.Equal(expected, await SqliteSchema(migrated));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task On_PostgreSQL_the_migrations_build_the_schema_the_model_describes()
    {
        var migrated = await TestServers.CreateDatabase("schema_migrated");
        var created = await TestServers.CreateDatabase("schema_created");
        await using (var db = new ServiceDb(Options(o => o.UseNpgsql(migrated)))) await db.Database.MigrateAsync();
        await using (var db = new ServiceDb(Options(o => o.UseNpgsql(created)))) await db.Database.EnsureCreatedAsync();

        var expected = await PostgresSchema(created);
        Assert.Contains(expected, line => line.StartsWith("resource_providers.column id bigint  NO identity=BY DEFAULT"));
        Assert.Equal(expected, await PostgresSchema(migrated));
    }

    [Fact]
    public async Task Several_workers_migrating_one_PostgreSQL_database_at_once_apply_each_migration_once()
    {
        var database = await TestServers.CreateDatabase("schema_race");
        var applied = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            await using var db = new ServiceDb(Options(o => o.UseNpgsql(database)));
            return await MigrateDatabase.Apply(db, DateTime.UtcNow, CancellationToken.None);
        }));
        // One worker applied them all; the others found nothing pending once they held the lock.
        Assert.Equal(new ServiceDb(Options(o => o.UseNpgsql(database))).Database.GetMigrations().Count(), applied.Max());
        Assert.Equal(applied.Max(), applied.Sum());
        await using var check = new ServiceDb(Options(o => o.UseNpgsql(database)));
        Assert.Empty(await check.Database.GetPendingMigrationsAsync());
        Assert.Equal(check.Database.GetMigrations().Count(), (await check.Database.GetAppliedMigrationsAsync()).Count());
    }

    static async Task<List<string>> SqliteSchema(string connectionString)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        var schema = new List<string>();
        foreach (var table in await Strings(connection, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__EF%' ORDER BY name"))
        {
            schema.AddRange((await Rows(connection, $"SELECT name, type, \"notnull\", pk FROM pragma_table_info('{table}')"))
                .Select(r => $"{table}.column {string.Join(" ", r)}").Order());
            schema.AddRange((await Rows(connection, $"SELECT name, \"unique\", (SELECT group_concat(name) FROM pragma_index_info(il.name)) FROM pragma_index_list('{table}') il WHERE origin IN ('c', 'u')"))
                .Select(r => $"{table}.index {string.Join(" ", r)}").Order());
            schema.AddRange((await Rows(connection, $"SELECT \"from\", \"table\", \"to\", on_delete FROM pragma_foreign_key_list('{table}')"))
                .Select(r => $"{table}.fk {string.Join(" ", r)}").Order());
        }
        return schema;
    }

    static async Task<List<string>> PostgresSchema(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var schema = new List<string>();
        schema.AddRange((await Rows(connection, """
            SELECT table_name, column_name, data_type, coalesce(character_maximum_length::text, ''), is_nullable,
                   'identity=' || coalesce(identity_generation, '')
            FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE '__EF%'
            """)).Select(r => $"{r[0]}.column {string.Join(" ", r.Skip(1))}").Order());
        schema.AddRange((await Rows(connection, """
            SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename NOT LIKE '__EF%'
            """)).Select(r => $"{r[0]}.index {r[1]} {r[2]}").Order());
        schema.AddRange((await Rows(connection, """
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
            WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text NOT LIKE '%EF%'
            """)).Select(r => $"{r[0]}.constraint {r[1]} {r[2]}").Order());
        return schema;
    }

    static async Task<List<string>> Strings(DbConnection connection, string sql) =>
        (await Rows(connection, sql)).Select(r => r[0]).ToList();

    static async Task<List<string[]>> Rows(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string[]>();
        while (await reader.ReadAsync())
            rows.Add(Enumerable.Range(0, reader.FieldCount).Select(i => Convert.ToString(reader.GetValue(i)) ?? "").ToArray());
        return rows;
    }
}
