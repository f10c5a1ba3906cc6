using Serilog;
using Serilog.Formatting.Json;

namespace Workers.Hosting;

public static class ServiceLogging
{
    const string TextTemplate =
        "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {RequestId} {SourceContext}: {Message:lj}{NewLine}{Exception}";

    /// <summary>
    /// Serilog to the console: JSON lines unless <c>Logging:Json</c> is false (Development reads text).
    /// Levels come from the <c>Serilog</c> section. Every line written inside a request's scope carries its
    /// <c>RequestId</c>, in the Api and in the worker that handles the request's message.
    /// </summary>
    public static IHostApplicationBuilder AddServiceLogging(this IHostApplicationBuilder builder)
    {
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", Serilog.Events.LogEventLevel.Warning)
            .MinimumLevel.Override("MassTransit", Serilog.Events.LogEventLevel.Warning)
            .MinimumLevel.Override("Quartz", Serilog.Events.LogEventLevel.Warning)
            // HttpClient writes four lines per request (callbacks): the dispatcher logs what matters of each.
            .MinimumLevel.Override("System.Net.Http.HttpClient", Serilog.Events.LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", Serilog.Events.LogEventLevel.Information)
            // EF logs every failed statement as an error, including the unique-key races the inbox resolves by
            // running the command again; a real failure still surfaces as the consumer's exception.
            .MinimumLevel.Override("Microsoft.EntityFrameworkCore.Database.Command", Serilog.Events.LogEventLevel.Fatal)
            .MinimumLevel.Override("Microsoft.EntityFrameworkCore.Update", Serilog.Events.LogEventLevel.Fatal)
            .ReadFrom.Configuration(builder.Configuration)
            .Enrich.FromLogContext();
        configuration = builder.Configuration.GetValue("Logging:Json", true)
            ? configuration.WriteTo.Console(new JsonFormatter(renderMessage: true))
            : configuration.WriteTo.Console(outputTemplate: TextTemplate);
        builder.Logging.ClearProviders().AddSerilog(configuration.CreateLogger(), dispose: true);
        return builder;
    }
}
