using System.Text.Json;
using Api.Http;
using Contracts.Placement;
using MassTransit;

namespace Api.Placement;

/// <summary>
/// <c>/placement/resource_providers/{uuid}/inventories[/{resource_class}]</c>, as Placement 8.0 answers them: the
/// whole set (GET, PUT with the provider generation, DELETE from 1.5), one class (POST, GET, PUT, DELETE).
/// </summary>
public static class InventoriesApi
{
    const int MaxInt = int.MaxValue;

    public static void MapInventories(this RouteGroupBuilder placement)
    {
        const string all = "/resource_providers/{uuid}/inventories";
        const string one = "/resource_providers/{uuid}/inventories/{resourceClass}";
        placement.MapGet(all, List);
        placement.MapPost(all, Create);
        placement.MapPut(all, Replace);
        placement.MapDelete(all, DeleteAll);
        placement.MapMethodNotAllowed(all, "GET", "POST", "PUT", "DELETE");
        placement.MapGet(one, Show);
        placement.MapPut(one, Update);
        placement.MapDelete(one, Delete);
        placement.MapMethodNotAllowed(one, "GET", "PUT", "DELETE");
    }

    static async Task<IResult> List(HttpContext http, string uuid, IRequestClient<GetInventories> workers)
    {
        if ((PlacementHttp.RequireJsonAccepted(http) ?? PlacementHttp.Authorize(http, "placement:resource_providers:inventories:list")) is { } refused)
            return refused;
        var (result, missing) = await Read(http, uuid, workers);
        if (missing is not null)
            return missing;
        var body = new
        {
            resource_provider_generation = result!.Generation,
            inventories = result.Inventories.ToDictionary(i => i.ResourceClass, Json),
        };
        // With no inventory Placement has no date to give: Cache-Control comes alone.
        return PlacementHttp.Json(body, lastModified: PlacementHttp.LastModifiedFrom15(http, result.LastModified),
            noCache: PlacementHttp.CacheHeaders(http));
    }

    static async Task<IResult> Show(HttpContext http, string uuid, string resourceClass, IRequestClient<GetInventories> workers)
    {
        if ((PlacementHttp.RequireJsonAccepted(http) ?? PlacementHttp.Authorize(http, "placement:resource_providers:inventories:show")) is { } refused)
            return refused;
        var (result, missing) = await Read(http, uuid, workers);
        if (missing is not null)
            return missing;
        var inventory = result!.Inventories.FirstOrDefault(i => i.ResourceClass == resourceClass);
        return inventory is null
            ? PlacementErrors.NotFound($"No inventory of class {resourceClass} for {uuid}")
            : One(http, Json(inventory), result.Generation, result.LastModified);
    }

    static async Task<IResult> Create(HttpContext http, string uuid, IRequestClient<CreateInventory> workers, IRequestClient<GetResourceProvider> providers)
    {
        if ((PlacementHttp.RequireJsonContent(http) ?? PlacementHttp.Authorize(http, "placement:resource_providers:inventories:create")) is { } refused)
            return refused;
        if (PlacementHttp.ProviderPath(http, uuid, out var id) is { } missing)
            return missing;
        var (body, invalid) = await PlacementHttp.ReadJson(http, Schemas.Post);
        if (invalid is not null)
            return await ProviderProblemOr(http, id, providers, invalid);

        var inventory = Values(body.GetProperty("resource_class").GetString()!, body);
        var result = await workers.Ask<CreateInventory, InventoriesResult>(http, new(id, inventory, ReservedMayEqualTotal(http)));
        if (result.Problem is { } problem)
            return PlacementErrors.Problem(http, problem);
        http.Response.Headers.Location = $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}{PlacementGate.Prefix}/resource_providers/{id}/inventories/{inventory.ResourceClass}";
        return One(http, Echo(body), result.Generation, null, status: 201);
    }

    static async Task<IResult> Replace(HttpContext http, string uuid, IRequestClient<SetInventories> workers, IRequestClient<GetResourceProvider> providers)
    {
        if ((PlacementHttp.RequireJsonContent(http) ?? PlacementHttp.Authorize(http, "placement:resource_providers:inventories:update")) is { } refused)
            return refused;
        if (PlacementHttp.ProviderPath(http, uuid, out var id) is { } missing)
            return missing;
        var (body, invalid) = await PlacementHttp.ReadJson(http, Schemas.PutAll);
        if (invalid is not null)
            return await ProviderProblemOr(http, id, providers, invalid);

        var inventories = body.GetProperty("inventories").EnumerateObject().Select(p => Values(p.Name, p.Value)).ToList();
        var result = await workers.Ask<SetInventories, InventoriesResult>(http, new(
            id, body.GetProperty("resource_provider_generation").GetInt64(), inventories, ReservedMayEqualTotal(http)));
        if (result.Problem is { } problem)
            return PlacementErrors.Problem(http, problem);
        return PlacementHttp.Json(new
        {
            resource_provider_generation = result.Generation,
            inventories = body.GetProperty("inventories").EnumerateObject().ToDictionary(p => p.Name, p => Echo(p.Value)),
        }, lastModified: PlacementHttp.LastModifiedFrom15(http, inventories.Count > 0 ? DateTime.UtcNow : null),
            noCache: PlacementHttp.CacheHeaders(http));
    }

    static async Task<IResult> DeleteAll(HttpContext http, string uuid, IRequestClient<SetInventories> workers)
    {
        if (!PlacementVersion.Of(http).AtLeast(5))
            return PlacementErrors.Error(405, "");
        if (PlacementHttp.Authorize(http, "placement:resource_providers:inventories:delete") is { } refused)
            return refused;
        if (PlacementHttp.ProviderPath(http, uuid, out var id) is { } missing)
            return missing;
        var result = await workers.Ask<SetInventories, InventoriesResult>(http, new(id, null, [], ReservedMayEqualTotal(http)));
        return result.Problem is { } problem ? PlacementErrors.Problem(http, problem) : Results.NoContent();
    }

    static async Task<IResult> Update(HttpContext http, string uuid, string resourceClass, IRequestClient<UpdateInventory> workers,
        IRequestClient<GetResourceProvider> providers)
    {
        if ((PlacementHttp.RequireJsonContent(http) ?? PlacementHttp.Authorize(http, "placement:resource_providers:inventories:update")) is { } refused)
            return refused;
        if (PlacementHttp.ProviderPath(http, uuid, out var id) is { } missing)
            return missing;
        var (body, invalid) = await PlacementHttp.ReadJson(http, Schemas.PutOne);
        if (invalid is not null)
            return await ProviderProblemOr(http, id, providers, invalid);

        var inventory = Values(resourceClass, body);
        var result = await workers.Ask<UpdateInventory, InventoriesResult>(http, new(
            id, body.GetProperty("resource_provider_generation").GetInt64(), inventory, ReservedMayEqualTotal(http)));
        return result.Problem is { } problem
            ? PlacementErrors.Problem(http, problem)
            : One(http, Echo(body), result.Generation, null);
    }

    static async Task<IResult> Delete(HttpContext http, string uuid, string resourceClass, IRequestClient<DeleteInventory> workers)
    {
        if (PlacementHttp.Authorize(http, "placement:resource_providers:inventories:delete") is { } refused)
            return refused;
        if (PlacementHttp.ProviderPath(http, uuid, out var id) is { } missing)
            return missing;
        var result = await workers.Ask<DeleteInventory, InventoriesResult>(http, new(id, resourceClass));
        return result.Problem is { } problem ? PlacementErrors.Problem(http, problem) : Results.NoContent();
    }

    /// <summary>Reads a provider's inventories; Placement's read handlers word a missing provider their own way.</summary>
    static async Task<(InventoriesResult? Result, IResult? Missing)> Read(HttpContext http, string uuid, IRequestClient<GetInventories> workers)
    {
        if (!PlacementUuid.TryParseCanonical(uuid, out var id))
            return (null, NotFoundHere(uuid));
        var result = await workers.Ask<GetInventories, InventoriesResult>(http, new(id));
        return result.Problem is null ? (result, null) : (null, NotFoundHere(uuid));
    }

    static IResult NotFoundHere(string uuid) =>
        PlacementErrors.NotFound($"No resource provider with uuid {uuid} found : No resource provider with uuid {uuid} found");

    /// <summary>Placement looks the provider up before it reads the body: an unknown provider is its 404 whatever the body.</summary>
    static async Task<IResult> ProviderProblemOr(HttpContext http, Guid id, IRequestClient<GetResourceProvider> providers, IResult invalid)
    {
        var existing = await providers.Ask<GetResourceProvider, ResourceProviderResult>(http, new(id));
        return existing.Problem is { } problem ? PlacementErrors.Problem(http, problem) : invalid;
    }

    static bool ReservedMayEqualTotal(HttpContext http) => PlacementVersion.Of(http).AtLeast(26);

    /// <summary>A body's values over Placement's defaults (reserved 0, min 1, max 2147483647, step 1, ratio 1.0).</summary>
    public static Inventory Values(string resourceClass, JsonElement body)
    {
        int Int(string name, int fallback) => body.TryGetProperty(name, out var v) ? (int)v.GetDouble() : fallback;
        return new Inventory(resourceClass, Int("total", 0), Int("reserved", 0), Int("min_unit", 1), Int("max_unit", MaxInt),
            Int("step_size", 1), body.TryGetProperty("allocation_ratio", out var ratio) ? ratio.GetDouble() : 1.0);
    }

    static Dictionary<string, object> Json(Inventory inventory) => new()
    {
        ["total"] = inventory.Total,
        ["reserved"] = inventory.Reserved,
        ["min_unit"] = inventory.MinUnit,
        ["max_unit"] = inventory.MaxUnit,
        ["step_size"] = inventory.StepSize,
        ["allocation_ratio"] = new PythonFloat(inventory.AllocationRatio),
    };

    /// <summary>
    /// A written inventory as Placement answers it: the request's own numbers (it serialises what it was sent, so
    /// <c>16</c> stays <c>16</c> and <c>2.0</c> stays <c>2.0</c>), Placement's defaults for the rest.
    /// </summary>
    static Dictionary<string, object> Echo(JsonElement request)
    {
        var defaults = Json(new Inventory("", 0, 0, 1, MaxInt, 1, 1.0));
        return defaults.ToDictionary(d => d.Key, d => request.TryGetProperty(d.Key, out var sent) ? sent : d.Value);
    }

    /// <summary>One inventory with the provider generation, which Placement leaves out when it is 0.</summary>
    static IResult One(HttpContext http, Dictionary<string, object> body, long generation, DateTime? modified, int status = 200)
    {
        if (generation != 0)
            body["resource_provider_generation"] = generation;
        return PlacementHttp.Json(body, status, PlacementHttp.LastModifiedFrom15(http, modified ?? DateTime.UtcNow));
    }

    /// <summary>The PUT .../inventories body, which the reshaper takes per provider.</summary>
    public static string PutAllSchemaText => Schemas.PutAllText.Replace("FIELDS", Schemas.Fields);

    /// <summary>Placement 8.0's inventory schemas (placement/schemas/inventory.py), in its key order.</summary>
    static class Schemas
    {
        public const string Fields = """
            "resource_provider_generation": {"type": "integer"},
            "total": {"type": "integer", "maximum": 2147483647, "minimum": 1},
            "reserved": {"type": "integer", "maximum": 2147483647, "minimum": 0},
            "min_unit": {"type": "integer", "maximum": 2147483647, "minimum": 1},
            "max_unit": {"type": "integer", "maximum": 2147483647, "minimum": 1},
            "step_size": {"type": "integer", "maximum": 2147483647, "minimum": 1},
            "allocation_ratio": {"type": "number", "maximum": 3.40282e+38}
            """;
        public static readonly JsonSchema PutOne = JsonSchema.Parse($$"""
            {"type": "object", "properties": { {{Fields}} },
             "required": ["total", "resource_provider_generation"], "additionalProperties": false}
            """);
        public static readonly JsonSchema Post = JsonSchema.Parse($$"""
            {"type": "object", "properties": { {{Fields}}, "resource_class": {"type": "string", "pattern": "^[A-Z0-9_]+$"} },
             "required": ["total", "resource_class"], "additionalProperties": false}
            """);
        public static readonly JsonSchema PutAll = JsonSchema.Parse(PutAllSchemaText);

        public const string PutAllText = """
            {"type": "object",
             "properties": {
               "resource_provider_generation": {"type": "integer"},
               "inventories": {"type": "object", "patternProperties": {"^[A-Z0-9_]+$": {
                 "type": "object", "properties": { FIELDS }, "required": ["total"], "additionalProperties": false}}}},
             "required": ["resource_provider_generation", "inventories"], "additionalProperties": false}
            """;
    }
}
