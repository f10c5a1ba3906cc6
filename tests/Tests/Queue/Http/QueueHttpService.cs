using Tests.Hosts;

namespace Tests.Queue.Http;

/// <summary>
/// One embedded service for the queue's HTTP tests, with no capacity in its cloud (so jobs stay queued) and the SSRF
/// guard on, as in production. Callbacks point at TEST-NET addresses that are public and never contacted. Each test
/// class uses queue types of its own, so tests do not see each other's jobs.
/// </summary>
public sealed class QueueHttpService : IAsyncLifetime
{
    /// <summary>The aggregate that the configured name <c>rack1</c> stands for.</summary>
    public static readonly Guid Rack1 = Guid.Parse("5a0c7d8e-2f5b-4d8a-9d61-1f1c0a6b7e01");

    public EmbeddedService Service { get; } = new(new()
    {
        ["Callbacks:AllowPrivateNetworks"] = "false",
        [$"Queue:Aggregates:rack1"] = Rack1.ToString(),
    });

    /// <summary>As the admin; <see cref="QueueClient.As"/> gives a member of a project.</summary>
    public QueueClient Admin { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Admin = new QueueClient(Service.CreateClient());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Service.DisposeAsync();

    /// <summary>A public, never contacted callback URL, distinct per name.</summary>
    public static string Callback(string name) => $"http://203.0.113.7/hooks/{name}";
}

[CollectionDefinition(Name)]
public sealed class QueueHttpCollection : ICollectionFixture<QueueHttpService>
{
    public const string Name = "Queue HTTP";
}
