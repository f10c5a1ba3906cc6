using Workers.Hosting;

namespace Workers;

/// <summary>A worker process: a generic host (no HTTP listener) consuming commands and queries from the bus.</summary>
public static class Program
{
    public static async Task Main(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.AddServiceLogging();
        builder.AddWorkers();
        builder.AddServiceBus(bus => bus.AddWorkerConsumers());
        await builder.Build().RunAsync();
    }
}
