using Api.Http;
using Contracts.Operations;
using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Api.Operations;

/// <summary>
/// <c>/healthz</c>: the process is up. <c>/readyz</c>: the broker is connected (MassTransit's bus health) and a
/// worker reached the database just now (asked over the bus, since the Api holds no connection).
/// </summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/healthz", () => TypedResults.Ok(new { status = "up" })).WithTags("Operations");
        routes.MapGet("/readyz", Ready).WithTags("Operations");
        return routes;
    }

    // A probe answers quickly whatever the request timeout: orchestrators call it often and with short deadlines.
    static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(3);

    static async Task<IResult> Ready(HttpContext http, HealthCheckService health, IRequestClient<GetDatabaseHealth> workers)
    {
        var bus = await health.CheckHealthAsync(check => check.Tags.Contains("masstransit"), http.RequestAborted);
        object database;
        var databaseReady = false;
        try
        {
            var answer = await workers.Ask<GetDatabaseHealth, DatabaseHealth>(http, new(), atMost: ProbeTimeout);
            databaseReady = answer.Reachable;
            database = new { status = answer.Reachable ? "ready" : "unreachable", provider = answer.Provider, error = answer.Error };
        }
        catch (ServiceUnavailableException e)
        {
            database = new { status = "unknown", error = e.Message };
        }

        var ready = bus.Status == HealthStatus.Healthy && databaseReady;
        var body = new
        {
            status = ready ? "ready" : "not ready",
            broker = new { status = bus.Status.ToString(), entries = bus.Entries.ToDictionary(e => e.Key, e => e.Value.Description) },
            database,
        };
        return ready ? TypedResults.Ok(body) : TypedResults.Json(body, statusCode: 503);
    }
}
