using Contracts.Placement;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Workers;

namespace Tests.Hosts;

/// <summary>The workers' registration (database, inbox, Quartz, consumers) on MassTransit's test harness.</summary>
public sealed class WorkerHarness : IAsyncDisposable
{
    readonly IHost host;

    WorkerHarness(IHost host) => this.host = host;

    public IServiceProvider Services => host.Services;
    public ITestHarness Bus => host.Services.GetTestHarness();

    public static async Task<WorkerHarness> OnPostgres(string connectionString)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:Database"] = connectionString,
        });
        builder.AddWorkers();
        builder.Services.AddMassTransitTestHarness(x => x.AddWorkerConsumers());
        var host = builder.Build();
        await host.StartAsync();
        return new WorkerHarness(host);
    }

    public async Task<TResponse> Ask<TRequest, TResponse>(TRequest request) where TRequest : class where TResponse : class =>
        (await Bus.GetRequestClient<TRequest>().GetResponse<TResponse>(request, default, RequestTimeout.After(s: 30))).Message;

    /// <summary>One allocation write, as the Api sends it (a batch of one).</summary>
    public async Task<AllocationsResult> Allocate(SetAllocations command)
    {
        var id = Guid.NewGuid();
        var answer = await Ask<SetAllocationsBatch, SetAllocationsBatchResult>(new([new(id, null, command)]));
        return answer.Items.Single(i => i.CommandId == id).Result;
    }

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}
