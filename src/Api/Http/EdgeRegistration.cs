using Workers.Callbacks;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Api.Http;

public static class EdgeRegistration
{
    /// <summary>The Api's own options and services: request timeout and body limit, authentication, OpenAPI.</summary>
    public static IHostApplicationBuilder AddEdge(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<TimeProvider, Workers.Data.MicrosecondClock>();
        builder.Services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateOnStart();
        builder.Services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOpenApi();
        builder.Services.AddHealthChecks();
        builder.Services.AddSingleton<Placement.AllocationWrites>();
        builder.Services.AddSingleton<Queue.JobFinishes>();
        builder.AddCallbackGuard();
        builder.Services.AddOptions<Workers.Queue.QueueOptions>().BindConfiguration(Workers.Queue.QueueOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        return builder;
    }
}
