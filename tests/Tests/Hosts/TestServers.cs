using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;
using Workers.Data;

namespace Tests.Hosts;

/// <summary>
/// The real PostgreSQL and RabbitMQ that <c>./test.sh</c> starts, handed over in environment variables. A test that
/// needs one and does not find it fails and names the server: it is never skipped.
/// </summary>
public static class TestServers
{
    public static string Postgres => Require("TEST_POSTGRES", "PostgreSQL");
    public static string RabbitMq => Require("TEST_RABBITMQ", "RabbitMQ");
    public static string RabbitMqManagement => Require("TEST_RABBITMQ_MANAGEMENT", "RabbitMQ (management API)");

    static string Require(string variable, string server) => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException(
            $"{server} is missing: {variable} is not set. Run the tests with ./test.sh, which installs and starts a private {server}.");

    /// <summary>A fresh, empty PostgreSQL database; returns its connection string.</summary>
    public static async Task<string> CreateDatabase(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}".ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(Postgres))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(Postgres) { Database = name, Pooling = true }.ConnectionString;
    }

    /// <summary>A fresh PostgreSQL database with every migration applied: its connection string, and options for a
    /// <see cref="ServiceDb"/> on it.</summary>
    public static async Task<(string Database, DbContextOptions<ServiceDb> Options)> CreateMigratedDatabase(string prefix)
    {
        var database = await CreateDatabase(prefix);
        var options = new DbContextOptionsBuilder<ServiceDb>().UseNpgsql(database)
            .ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning)).Options;
        await using (var db = new ServiceDb(options))
            await db.Database.MigrateAsync();
        return (database, options);
    }

    /// <summary>Drops a database <see cref="CreateDatabase"/> made, closing whatever connections are left.</summary>
    public static async Task DropDatabase(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(Postgres);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>A fresh RabbitMQ virtual host (queues are named after consumer types, so test classes each need one).</summary>
    public static async Task<string> CreateVirtualHost(string prefix)
    {
        var vhost = $"{prefix}-{Guid.NewGuid():N}";
        using var management = new HttpClient { BaseAddress = new Uri(RabbitMqManagement) };
        management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes("guest:guest")));
        var escaped = Uri.EscapeDataString(vhost);
        (await management.PutAsync($"/api/vhosts/{escaped}", null)).EnsureSuccessStatusCode();
        (await management.PutAsync($"/api/permissions/{escaped}/guest",
            new StringContent("""{"configure":".*","write":".*","read":".*"}""", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        return new Uri(new Uri(RabbitMq), escaped).ToString();
    }

    /// <summary>Runs rabbitmqctl against the test node (e.g. <c>stop_app</c>, <c>start_app</c>).</summary>
    public static async Task RabbitMqCtl(string arguments)
    {
        var command = Require("TEST_RABBITMQ_CTL", "RabbitMQ (control command)");
        using var process = Process.Start(new ProcessStartInfo("bash", ["-c", $"{command} {arguments}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = await process.StandardError.ReadToEndAsync() + await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"rabbitmqctl {arguments} failed ({process.ExitCode}): {output}");
    }
}
