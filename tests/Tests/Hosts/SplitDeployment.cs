using System.Net.Http.Json;

namespace Tests.Hosts;

/// <summary>
/// The production shape on the test servers: Api and Workers as separate processes on RabbitMQ (a virtual host of
/// their own) and PostgreSQL (a database of their own).
/// </summary>
public sealed class SplitDeployment : IAsyncDisposable
{
    readonly List<ServiceProcess> processes = [];

    SplitDeployment(string database, string rabbitMq)
    {
        Database = database;
        RabbitMq = rabbitMq;
    }

    public string Database { get; }
    public string RabbitMq { get; }
    public HttpClient? Client { get; private set; }

    public static async Task<SplitDeployment> Create(string name) =>
        new(await TestServers.CreateDatabase(name), await TestServers.CreateVirtualHost(name));

    public Dictionary<string, string> Settings(Dictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["Database__Provider"] = "Postgres",
            ["ConnectionStrings__Database"] = Database,
            ["Bus__Transport"] = "RabbitMq",
            ["ConnectionStrings__RabbitMq"] = RabbitMq,
            ["Workers__InProcess"] = "false",
        };
        foreach (var (key, value) in extra ?? [])
            settings[key] = value;
        return settings;
    }

    public ServiceProcess StartWorker(Dictionary<string, string>? extra = null)
    {
        var worker = ServiceProcess.Workers(Settings(extra));
        processes.Add(worker);
        return worker;
    }

    /// <summary>Starts the Api and waits until it is ready: broker connected and a worker answered for the database.</summary>
    public async Task<ServiceProcess> StartApi(Dictionary<string, string>? extra = null, bool waitUntilReady = true)
    {
        var port = ServiceProcess.FreePort();
        var api = ServiceProcess.Api(Settings(extra), port);
        processes.Add(api);
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        Client.DefaultRequestHeaders.Add("X-Auth-Token", "admin");
        if (waitUntilReady)
            await WaitUntilReady(TimeSpan.FromSeconds(60));
        return api;
    }

    public async Task WaitUntilReady(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var response = await Client!.GetAsync("/readyz");
                if (response.IsSuccessStatusCode)
                    return;
                last = await response.Content.ReadAsStringAsync();
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"Not ready within {timeout}: {last}\n" + string.Join("\n---\n", processes.Select(p => $"{p.Name}:\n{p.Output}")));
    }

    public async Task<HttpResponseMessage> CreateProvider(string name, Guid uuid) =>
        await Client!.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/placement/resource_providers")
        {
            Headers = { { "OpenStack-API-Version", "placement 1.39" } },
            Content = JsonContent.Create(new { name, uuid }),
        });

    public string Logs => string.Join("\n---\n", processes.Select(p => $"{p.Name}:\n{p.Output}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var process in processes)
            await process.DisposeAsync();
        Client?.Dispose();
        // Every virtual host keeps a quorum queue (a Raft group) per consumer type: left behind, a suite's worth of them
        // slows the broker down until later tests cannot start. The database goes too.
        try
        {
            await TestServers.RabbitMqCtl($"delete_vhost '{Uri.UnescapeDataString(new Uri(RabbitMq).AbsolutePath.Trim('/'))}'");
            await TestServers.DropDatabase(Database);
        }
        catch (Exception e) when (e is InvalidOperationException or Npgsql.NpgsqlException)
        {
            Console.Error.WriteLine($"SplitDeployment: cleaning up failed: {e.Message}");
        }
    }
}
