using Api.Http;
using Contracts.Placement;
using MassTransit;

namespace Api.Placement;

/// <summary><c>/placement/resource_providers/{uuid}/usages</c> and <c>/placement/usages</c> (from 1.9; by consumer type from 1.38).</summary>
public static class UsagesApi
{
    public static void MapUsages(this RouteGroupBuilder placement)
    {
        placement.MapGet("/resource_providers/{uuid}/usages", ForProvider);
        placement.MapMethodNotAllowed("/resource_providers/{uuid}/usages", "GET");
        placement.MapGet("/usages", Total);
        placement.MapMethodNotAllowed("/usages", "GET");
    }

    static readonly JsonSchema Query19 = JsonSchema.Parse("""
        {"type": "object",
         "properties": {"project_id": {"type": "string", "minLength": 1, "maxLength": 255},
                        "user_id": {"type": "string", "minLength": 1, "maxLength": 255}},
         "required": ["project_id"], "additionalProperties": false}
        """);

    static readonly JsonSchema Query38 = JsonSchema.Parse("""
        {"type": "object",
         "properties": {"project_id": {"type": "string", "minLength": 1, "maxLength": 255},
                        "user_id": {"type": "string", "minLength": 1, "maxLength": 255},
                        "consumer_type": {"type": "string", "pattern": "^[A-Z0-9_]+$|^all|^unknown$", "minLength": 1, "maxLength": 255}},
         "required": ["project_id"], "additionalProperties": false}
        """);

    static async Task<IResult> ForProvider(HttpContext http, string uuid, IRequestClient<GetProviderUsages> workers)
    {
        if ((PlacementHttp.RequireJsonAccepted(http) ?? PlacementHttp.Authorize(http, "placement:resource_providers:usages")) is { } refused)
            return refused;
        // This handler words a missing provider its own way ("found: ..."), inside the handler (with Vary).
        var notFound = PlacementErrors.NotFound($"No resource provider with uuid {uuid} found: No resource provider with uuid {uuid} found");
        if (!PlacementUuid.TryParseCanonical(uuid, out var id))
            return notFound;
        var result = await workers.Ask<GetProviderUsages, ProviderUsagesResult>(http, new(id));
        return result.Problem is not null
            ? notFound
            : PlacementHttp.Json(new { resource_provider_generation = result.Generation, usages = result.Usages },
                lastModified: PlacementHttp.LastModifiedFrom15(http, DateTime.UtcNow));
    }

    static async Task<IResult> Total(HttpContext http, IRequestClient<GetTotalUsages> workers)
    {
        var version = PlacementVersion.Of(http);
        if (!version.AtLeast(9))
            return PlacementErrors.NotFound("");
        if (PlacementHttp.RequireJsonAccepted(http) is { } unacceptable)
            return unacceptable;
        // Admins and services, or a reader of the project asked about (Placement's project-reader rule).
        var projectId = PlacementHttp.Query(http, "project_id");
        var caller = Caller.Of(http);
        var reader = caller is not null && caller.Roles.Contains("reader") && caller.Project == projectId;
        if (!reader && PlacementHttp.Authorize(http, "placement:usages") is { } forbidden)
            return forbidden;
        var byType = version.AtLeast(38);
        if (PlacementHttp.ValidateQuery(http, byType ? Query38 : Query19) is { } invalid)
            return invalid;

        var usages = await workers.Ask<GetTotalUsages, TotalUsages>(http, new(
            projectId!, PlacementHttp.Query(http, "user_id"), byType, PlacementHttp.Query(http, "consumer_type")));
        object body = byType
            ? usages.Rows.GroupBy(r => r.ConsumerType ?? "unknown").ToDictionary(g => g.Key, g =>
            {
                var perType = g.ToDictionary(r => r.ResourceClass, r => r.Used);
                perType["consumer_count"] = g.First().ConsumerCount;
                return perType;
            })
            : usages.Rows.ToDictionary(r => r.ResourceClass, r => r.Used);
        return PlacementHttp.Json(new { usages = body }, lastModified: PlacementHttp.LastModifiedFrom15(http, DateTime.UtcNow));
    }
}
