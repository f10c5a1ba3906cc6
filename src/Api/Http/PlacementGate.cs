using Microsoft.Extensions.Options;

namespace Api.Http;

/// <summary>
/// What every Placement request goes through before its handler, in Placement's order: a token (except for the
/// version document at <c>/placement/</c>), microversion negotiation, the version headers on every answer from
/// then on, and the body checks that precede routing.
/// </summary>
public sealed class PlacementGate(RequestDelegate next, IOptions<ApiOptions> options)
{
    public const string Prefix = "/placement";

    public async Task InvokeAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? "";
        if (path != Prefix + "/" && Caller.Of(http) is null)
        {
            await PlacementErrors.WriteUnauthorized(http);
            return;
        }

        var version = PlacementVersion.Negotiate(http.Request.Headers["OpenStack-API-Version"], out var badRequest, out var unacceptable);
        if (version is null)
        {
            await (unacceptable is not null
                ? PlacementErrors.Unacceptable($"Invalid microversion: {unacceptable}")
                : PlacementErrors.BadRequest($"Invalid microversion: {badRequest}")).ExecuteAsync(http);
            return;
        }

        http.Items[typeof(PlacementVersion)] = version.Value;
        http.Response.OnStarting(() =>
        {
            http.Response.Headers["openstack-api-version"] = $"placement {version}";
            if (!PlacementErrors.VarySuppressed(http))
                http.Response.Headers.Vary = "openstack-api-version";
            return Task.CompletedTask;
        });

        var length = http.Request.ContentLength;
        if (length > 0 && string.IsNullOrEmpty(http.Request.ContentType))
        {
            PlacementErrors.SuppressVary(http);
            await PlacementErrors.BadRequest("content-type header required when content-length > 0").ExecuteAsync(http);
            return;
        }
        if (length > options.Value.MaxBodyBytes)
        {
            await PlacementErrors.Error(413, $"The request body is {length} bytes; at most {options.Value.MaxBodyBytes} are accepted.").ExecuteAsync(http);
            return;
        }
        // Placement's routes have no trailing slash (only its root does).
        if (path.Length > Prefix.Length + 1 && path.EndsWith('/'))
        {
            PlacementErrors.SuppressVary(http);
            await PlacementErrors.NotFound("").ExecuteAsync(http);
            return;
        }
        await next(http);
    }
}
