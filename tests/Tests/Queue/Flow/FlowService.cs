using Tests.Hosts;

namespace Tests.Queue.Flow;

/// <summary>
/// An embedded service of its own for one flow test: callbacks may reach loopback (the receivers run there), and the
/// periodic sweep runs once at start and then not for an hour, so whatever admits a job during a test was woken by an
/// event, not by the safety net.
/// </summary>
public sealed class FlowService : IAsyncDisposable
{
    readonly EmbeddedService service;

    public FlowService(Dictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Callbacks:AllowPrivateNetworks"] = "true",
            ["Callbacks:Timeout"] = "00:00:03",
            ["Queue:SweepInterval"] = "01:00:00",
        };
        foreach (var (key, value) in overrides ?? [])
            settings[key] = value;
        service = new EmbeddedService(settings);
        Admin = new QueueClient(service.CreateClient());
    }

    /// <summary>The operator: sets up Placement and sees every job.</summary>
    public QueueClient Admin { get; }

    /// <summary>A member of project <c>p1</c>, who submits the jobs.</summary>
    public QueueClient Member => Admin.As("alice:p1");

    public ValueTask DisposeAsync() => service.DisposeAsync();
}
