using MassTransit;

namespace Workers.Hosting;

/// <summary>
/// Carries the HTTP request id across the bus: the Api stamps it on each message's headers and this consume filter
/// puts it in the logging scope of everything the consumer logs.
/// </summary>
public sealed class RequestIdLogScope<T>(ILogger<RequestIdLogScope<T>> logger) : IFilter<ConsumeContext<T>> where T : class
{
    public const string Header = "X-Request-Id";

    public async Task Send(ConsumeContext<T> context, IPipe<ConsumeContext<T>> next)
    {
        var requestId = context.Headers.Get<string>(Header);
        using var scope = requestId is null ? null : logger.BeginScope(new Dictionary<string, object> { ["RequestId"] = requestId });
        logger.LogDebug("Handling {MessageType} {MessageId}", typeof(T).Name, context.MessageId);
        await next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("requestIdLogScope");
}
