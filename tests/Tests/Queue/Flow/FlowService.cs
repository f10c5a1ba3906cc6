using Tests.Hosts;

namespace Tests.Queue.Flow;

/// <summary>
/// An embedded service of its own for one flow test: callbacks may reach loopback (the receivers run there), and the
/// periodic sweep runs once at start and then not for an hour, so whatever admits a job during a test was woken by an
/// event, not by the safety net. It runs on SQLite, the embedded default, or on a fresh PostgreSQL database of its own
/// (<see cref="Start"/>), where admission reads through its own statements.
/// </summary>
public sealed class FlowService : IAsyncDisposable
{
    readonly EmbeddedService service;
    readonly string? database;

    FlowService(Dictionary<string, string?>? overrides, string? database)
    {
        this.database = database;
        var settings = new Dictionary<string, string?>
        {
            ["Callbacks:AllowPrivateNetworks"] = "true",
            ["Callbacks:Timeout"] = "00:00:03",
            ["Queue:SweepInterval"] = "01:00:00",
        };
        if (database is not null)
            (settings["Database:Provider"], settings["ConnectionStrings:Database"]) = ("Postgres", database);
        foreach (var (key, value) in overrides ?? [])
            settings[key] = value;
        service = new EmbeddedService(settings);
        Admin = new QueueClient(service.CreateClient());
    }

    /// <summary>The service's own services (its bus, to send messages the Api sends).</summary>
    public IServiceProvider Services => service.Services;

    /// <summary>The PostgreSQL database's connection string; null on SQLite.</summary>
    public string? Database => database;

    /// <summary>The operator: sets up Placement and sees every job.</summary>
    public QueueClient Admin { get; }

    /// <summary>A member of project <c>p1</c>, who submits the jobs.</summary>
    public QueueClient Member => Admin.As("alice:p1");

    /// <summary>Starts a service the way a test class asks: on SQLite, or on a fresh PostgreSQL database.</summary>
    public static async Task<FlowService> Start(bool onPostgres, Dictionary<string, string?>? overrides = null) =>
        new(overrides, onPostgres ? await TestServers.CreateDatabase("flow") : null);

    public async ValueTask DisposeAsync()
    {
        await service.DisposeAsync();
        if (database is not null)
            await TestServers.DropDatabase(database);
    }
}
