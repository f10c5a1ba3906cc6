namespace Api.Http;

/// <summary>
/// Gives every request an id (<c>req-&lt;uuid&gt;</c>, OpenStack's form), answers it in <c>X-Openstack-Request-Id</c>
/// and <c>X-Request-Id</c>, and puts it in the logging scope so every log line of the request carries it.
/// The id also travels on the bus with each message the request sends.
/// </summary>
public sealed class RequestIds(RequestDelegate next, ILogger<RequestIds> logger)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var id = $"req-{Guid.NewGuid()}";
        http.TraceIdentifier = id;
        http.Response.OnStarting(() =>
        {
            http.Response.Headers["X-Openstack-Request-Id"] = id;
            http.Response.Headers["X-Request-Id"] = id;
            return Task.CompletedTask;
        });
        using (logger.BeginScope(new Dictionary<string, object> { ["RequestId"] = id }))
            await next(http);
    }
}
