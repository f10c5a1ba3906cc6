using Api.Http;
using Contracts.Placement;
using MassTransit;

namespace Api.Placement;

/// <summary><c>POST /placement/reshaper</c> (1.30; its 1.34 and 1.38 forms): inventories and allocations moved together.</summary>
public static class ReshaperApi
{
    public static void MapReshaper(this RouteGroupBuilder placement)
    {
        placement.MapPost("/reshaper", Reshape);
        placement.MapMethodNotAllowed("/reshaper", "POST");
    }

    static readonly Dictionary<string, JsonSchema> Schemas = new();

    static JsonSchema Schema(PlacementVersion version)
    {
        var key = version.AtLeast(38) ? "1.38" : version.AtLeast(34) ? "1.34" : "1.30";
        lock (Schemas)
        {
            if (!Schemas.TryGetValue(key, out var schema))
                Schemas[key] = schema = JsonSchema.Parse("""
                    {"type": "object",
                     "properties": {
                       "inventories": {"type": "object", "patternProperties": {"^[0-9a-fA-F-]{36}$": INVENTORIES},
                                       "minProperties": 1, "additionalProperties": false},
                       "allocations": ALLOCATIONS},
                     "required": ["inventories", "allocations"], "additionalProperties": false}
                    """.Replace("INVENTORIES", InventoriesApi.PutAllSchemaText).Replace("ALLOCATIONS", AllocationSchemas.ForReshaper(version)));
            return schema;
        }
    }

    static async Task<IResult> Reshape(HttpContext http, IRequestClient<Reshape> workers)
    {
        var version = PlacementVersion.Of(http);
        if (!version.AtLeast(30))
            return PlacementErrors.NotFound("");
        if ((PlacementHttp.RequireJsonContent(http) ?? PlacementHttp.Authorize(http, "placement:reshaper:reshape")) is { } refused)
            return refused;
        var (body, invalid) = await PlacementHttp.ReadJson(http, Schema(version));
        if (invalid is not null)
            return invalid;

        var inventories = body.GetProperty("inventories").EnumerateObject().Select(p => new Reshape.ProviderInventories(
            p.Name, p.Value.GetProperty("resource_provider_generation").GetInt64(),
            p.Value.GetProperty("inventories").EnumerateObject().Select(i => InventoriesApi.Values(i.Name, i.Value)).ToList())).ToList();
        var allocations = body.GetProperty("allocations").EnumerateObject().Select(c => AllocationsApi.Consumer(
            Guid.Parse(c.Name), c.Value, AllocationsApi.DictFormat(c.Value.GetProperty("allocations")))).ToList();
        var result = await workers.Ask<Reshape, AllocationsResult>(http, new(inventories, allocations, version.AtLeast(26), version.AtLeast(38)));
        return result.Problem is { } problem ? PlacementErrors.Problem(http, problem) : Results.NoContent();
    }
}
