using Api.Http;
using Contracts.Placement;
using MassTransit;

namespace Api.Placement;

/// <summary>
/// <c>/placement/resource_providers/{uuid}/aggregates</c>, as Placement 8.0 answers it: from 1.1 a bare list of
/// aggregate uuids; from 1.19 an object with the provider generation, which a PUT checks and moves.
/// </summary>
public static class AggregatesApi
{
    const int Since = 1;
    const int WithGeneration = 19;

    public static void MapAggregates(this RouteGroupBuilder placement)
    {
        const string aggregates = "/resource_providers/{uuid}/aggregates";
        placement.MapGet(aggregates, List);
        placement.MapPut(aggregates, Set);
        placement.MapMethodNotAllowed(aggregates, "GET", "PUT");
    }

    // Here Placement checks Accept (and, for PUT, Content-Type) before the microversion, unlike for traits.
    static async Task<IResult> List(HttpContext http, string uuid, IRequestClient<GetProviderAggregates> workers)
    {
        if ((PlacementHttp.RequireJsonAccepted(http) ?? TooEarly(http) ?? PlacementHttp.Authorize(http, "placement:resource_providers:aggregates:list")) is { } refused)
            return refused;
        if (PlacementHttp.ProviderPath(http, uuid, out var id) is { } missing)
            return missing;
        var result = await workers.Ask<GetProviderAggregates, ProviderAggregatesResult>(http, new(id));
        return result.Problem is { } problem ? PlacementErrors.Problem(http, problem) : Aggregates(http, result);
    }

    static async Task<IResult> Set(HttpContext http, string uuid, IRequestClient<SetProviderAggregates> workers,
        IRequestClient<GetResourceProvider> providers)
    {
        if ((PlacementHttp.RequireJsonContent(http) ?? TooEarly(http) ?? PlacementHttp.Authorize(http, "placement:resource_providers:aggregates:update")) is { } refused)
            return refused;
        if (PlacementHttp.ProviderPath(http, uuid, out var id) is { } missing)
            return missing;
        var withGeneration = PlacementVersion.Of(http).AtLeast(WithGeneration);
        var (body, invalid) = await PlacementHttp.ReadJson(http, withGeneration ? Schemas.Set19 : Schemas.Set);
        if (invalid is not null)
        {
            // Placement looks the provider up before it reads the body: an unknown provider is its 404 whatever the body.
            var existing = await providers.Ask<GetResourceProvider, ResourceProviderResult>(http, new(id));
            return existing.Problem is { } unknown ? PlacementErrors.Problem(http, unknown) : invalid;
        }

        var list = withGeneration ? body.GetProperty("aggregates") : body;
        long? generation = withGeneration ? body.GetProperty("resource_provider_generation").GetInt64() : null;
        var result = await workers.Ask<SetProviderAggregates, ProviderAggregatesResult>(http, new(
            id, generation, list.EnumerateArray().Select(a => a.GetString()!).ToList()));
        return result.Problem is { } problem ? PlacementErrors.Problem(http, problem) : Aggregates(http, result);
    }

    static IResult? TooEarly(HttpContext http) => PlacementVersion.Of(http).AtLeast(Since) ? null : PlacementErrors.NotFound("");

    /// <summary>Placement keeps no time for a provider's aggregates, so from 1.15 it says they changed now.</summary>
    static IResult Aggregates(HttpContext http, ProviderAggregatesResult result)
    {
        object body = PlacementVersion.Of(http).AtLeast(WithGeneration)
            ? new { aggregates = result.Aggregates, resource_provider_generation = result.Generation }
            : new { aggregates = result.Aggregates };
        return PlacementHttp.Json(body, lastModified: PlacementHttp.LastModifiedFrom15(http, DateTime.UtcNow));
    }

    /// <summary>Placement 8.0's aggregate schemas (placement/schemas/aggregate.py), in its key order.</summary>
    static class Schemas
    {
        const string List = """{"type": "array", "items": {"type": "string", "format": "uuid"}, "uniqueItems": true}""";
        public static readonly JsonSchema Set = JsonSchema.Parse(List);
        public static readonly JsonSchema Set19 = JsonSchema.Parse($$$"""
            {"type": "object",
             "properties": {"aggregates": {{{List}}}, "resource_provider_generation": {"type": "integer"}},
             "required": ["aggregates", "resource_provider_generation"], "additionalProperties": false}
            """);
    }
}
