using MassTransit;
using Workers.Data;

namespace Workers.Hosting;

public static class BusRegistration
{
    /// <summary>
    /// The one MassTransit registration of a process, on the transport <c>Bus:Transport</c> names. The Api registers
    /// its request clients here, and in the embedded mode the workers' consumers too (one bus per container).
    /// </summary>
    public static IHostApplicationBuilder AddServiceBus(this IHostApplicationBuilder builder, Action<IBusRegistrationConfigurator> register)
    {
        builder.Services.AddOptions<BusOptions>().BindConfiguration(BusOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var bus = builder.Configuration.GetSection(BusOptions.Section).Get<BusOptions>() ?? new();
        var sqlite = (builder.Configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new()).IsSqlite;

        builder.Services.AddMassTransit(x =>
        {
            x.SetKebabCaseEndpointNameFormatter();
            register(x);
            x.AddConfigureEndpointsCallback((context, _, endpoint) =>
            {
                endpoint.UseConsumeFilter(typeof(RequestIdLogScope<>), context);
                // Transient faults (a dropped connection, a deadlock) are retried here; business outcomes are responses.
                endpoint.UseMessageRetry(r => r.Exponential(5, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(100)));
                // One SQLite file takes one writer at a time: bounded concurrency avoids SQLITE_BUSY storms.
                endpoint.ConcurrentMessageLimit = sqlite ? 1 : bus.ConcurrentMessages;
                if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
                {
                    rabbit.PrefetchCount = sqlite ? 1 : bus.ConcurrentMessages;
                    if (bus.QueueType == "quorum")
                        rabbit.SetQuorumQueue();
                }
            });

            if (bus.IsRabbitMq)
            {
                var address = builder.Configuration.GetConnectionString("RabbitMq")
                    ?? throw new InvalidOperationException("ConnectionStrings:RabbitMq is required when Bus:Transport is RabbitMq.");
                x.UsingRabbitMq((context, cfg) =>
                {
                    cfg.Host(new Uri(address), h => h.PublisherConfirmation = true);
                    cfg.ConfigureEndpoints(context);
                });
            }
            else
            {
                x.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
            }
        });
        return builder;
    }
}
