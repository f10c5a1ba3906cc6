using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Workers.Data;

public static class DatabaseRegistration
{
    /// <summary>
    /// Registers <see cref="ServiceDb"/> on the configured provider and the start-up migration. The embedded default
    /// is a SQLite file under the working directory.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDatabase(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        var options = builder.Configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new();
        var connectionString = builder.Configuration.GetConnectionString("Database");

        // Pooled: a consumer's scope takes a ready context instead of building EF's per-context services each message.
        builder.Services.AddDbContextPool<ServiceDb>(db =>
        {
            if (options.IsSqlite)
                db.UseSqlite(SqliteConnectionString(connectionString));
            else
                db.UseNpgsql(PostgresConnectionString(connectionString ?? throw new InvalidOperationException(
                    "ConnectionStrings:Database is required when Database:Provider is Postgres.")));
            // Migrations are hand-written and there is no model snapshot; a test guards that they match the model.
            db.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
        });
        builder.Services.AddHostedService<MigrateDatabase>();
        return builder;
    }

    static string PostgresConnectionString(string configured)
    {
        var postgres = new Npgsql.NpgsqlConnectionStringBuilder(configured);
        // The hot paths run the same few statements thousands of times a second: prepared once per connection, the
        // server skips parsing and planning them (a third of its time under allocation writes). A connection string
        // that sets its own value keeps it.
        if (!configured.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase))
            postgres.MaxAutoPrepare = 128;
        // Nothing here leaves session state behind (locks are transaction-scoped), so a pooled connection needs no
        // reset statement each time a transaction takes it.
        if (!configured.Contains("Reset On Close", StringComparison.OrdinalIgnoreCase))
            postgres.NoResetOnClose = true;
        return postgres.ToString();
    }

    static string SqliteConnectionString(string? configured)
    {
        var sqlite = new SqliteConnectionStringBuilder(configured ?? "Data Source=admission.db");
        // Several consumers share the file: wait for the writer lock rather than fail at once.
        sqlite.DefaultTimeout = Math.Max(sqlite.DefaultTimeout, 30);
        sqlite.Pooling = true;
        return sqlite.ToString();
    }
}
