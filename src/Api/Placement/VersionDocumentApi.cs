using Api.Http;

namespace Api.Placement;

/// <summary><c>GET /placement/</c>: the one version Placement has, with its microversion range. No token needed.</summary>
public static class VersionDocumentApi
{
    public static void MapVersionDocument(this RouteGroupBuilder placement)
    {
        placement.MapGet("/", Get); // routing matches /placement and /placement/ alike
        placement.MapMethodNotAllowed("/", "GET");
    }

    static IResult Get(HttpContext http, TimeProvider clock) => PlacementHttp.Json(new
    {
        versions = new[]
        {
            new
            {
                id = $"v{PlacementVersion.Min}",
                max_version = PlacementVersion.Max.ToString(),
                min_version = PlacementVersion.Min.ToString(),
                status = "CURRENT",
                links = new[] { new { rel = "self", href = "" } },
            },
        },
    }, lastModified: PlacementHttp.LastModifiedFrom15(http, clock.GetUtcNow().UtcDateTime));
}
