namespace Api.Http;

/// <summary>
/// Turns <see cref="ServiceUnavailableException"/> into a 503 with <c>Retry-After</c> in the family's error format.
/// </summary>
public sealed class Unavailable(RequestDelegate next, ILogger<Unavailable> logger)
{
    public const int RetryAfterSeconds = 2;

    public async Task InvokeAsync(HttpContext http)
    {
        try
        {
            await next(http);
        }
        catch (ServiceUnavailableException e) when (!http.Response.HasStarted)
        {
            logger.LogWarning(e.InnerException, "Answering 503: {Reason}", e.Message);
            http.Response.Clear();
            http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString();
            if (http.Request.Path.StartsWithSegments(PlacementGate.Prefix))
            {
                await PlacementErrors.Error(503, e.Message).ExecuteAsync(http);
                return;
            }
            http.Response.StatusCode = 503;
            await http.Response.WriteAsJsonAsync(new { ok = false, error = e.Message, code = "unavailable" });
        }
    }
}
