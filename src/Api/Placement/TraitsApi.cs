using System.Text.RegularExpressions;
using Api.Http;
using Contracts.Placement;
using MassTransit;

namespace Api.Placement;

/// <summary>
/// <c>/placement/traits[/{name}]</c> and <c>/placement/resource_providers/{uuid}/traits</c>, as Placement 8.0 answers
/// them from microversion 1.6 (cache headers from 1.15). Before 1.6 every one of them is Placement's bare 404.
/// </summary>
public static partial class TraitsApi
{
    const int Since = 6;

    public static void MapTraits(this RouteGroupBuilder placement)
    {
        const string traits = "/traits";
        const string trait = "/traits/{name}";
        const string provider = "/resource_providers/{uuid}/traits";
        placement.MapGet(traits, List);
        placement.MapMethodNotAllowed(traits, "GET");
        placement.MapGet(trait, Show);
        placement.MapPut(trait, Ensure);
        placement.MapDelete(trait, Delete);
        placement.MapMethodNotAllowed(trait, "GET", "PUT", "DELETE");
        placement.MapGet(provider, ListOfProvider);
        placement.MapPut(provider, SetOfProvider);
        placement.MapDelete(provider, DeleteOfProvider);
        placement.MapMethodNotAllowed(provider, "GET", "PUT", "DELETE");
    }

    static async Task<IResult> List(HttpContext http, IRequestClient<ListTraits> workers)
    {
        if ((TooEarly(http) ?? PlacementHttp.RequireJsonAccepted(http) ?? PlacementHttp.Authorize(http, "placement:traits:list")) is { } refused)
            return refused;
        if (PlacementHttp.ValidateQuery(http, Schemas.List) is { } invalid)
            return invalid;

        // Placement reads the last of repeated parameters; an operator other than in/startswith filters nothing.
        var query = http.Request.Query;
        IReadOnlyList<string>? nameIn = null;
        string? prefix = null;
        if (query.TryGetValue("name", out var names) && names[^1] is { } name)
        {
            var colon = name.IndexOf(':');
            if (colon < 0)
                return PlacementErrors.BadRequest("Badly formatted name parameter. Expected name query string parameter in form: " +
                    $"?name=[in|startswith]:[name1,name2|prefix]. Got: \"{name}\"");
            var (op, value) = (name[..colon], name[(colon + 1)..]);
            if (op == "in")
                nameIn = value.Split(',');
            else if (op == "startswith")
                prefix = value;
        }
        bool? associated = null;
        if (query.TryGetValue("associated", out var values) && values[^1] is { } text)
        {
            if (text.ToLowerInvariant() is not ("true" or "false"))
                return PlacementErrors.BadRequest("The query parameter \"associated\" only accepts \"true\" or \"false\"");
            associated = text.Equals("true", StringComparison.OrdinalIgnoreCase);
        }

        var list = await workers.Ask<ListTraits, TraitList>(http, new(nameIn, prefix, associated));
        return PlacementHttp.Json(new { traits = list.Names },
            lastModified: PlacementHttp.LastModifiedFrom15(http, list.LastModified ?? DateTime.UtcNow));
    }

    static async Task<IResult> Show(HttpContext http, string name, IRequestClient<GetTrait> workers)
    {
        if ((TooEarly(http) ?? PlacementHttp.Authorize(http, "placement:traits:show")) is { } refused)
            return refused;
        var result = await workers.Ask<GetTrait, TraitResult>(http, new(name));
        return result.Problem is { } problem ? PlacementErrors.Problem(http, problem) : NoContent(http, 204, result.CreatedAt);
    }

    static async Task<IResult> Ensure(HttpContext http, string name, IRequestClient<EnsureTrait> workers)
    {
        if ((TooEarly(http) ?? PlacementHttp.Authorize(http, "placement:traits:update")) is { } refused)
            return refused;
        if (name.Length > 255 || !CustomTrait().IsMatch(name))
            return PlacementErrors.BadRequest("The trait is invalid. A valid trait must be no longer than 255 characters, " +
                "start with the prefix \"CUSTOM_\" and use following characters: \"A\"-\"Z\", \"0\"-\"9\" and \"_\"");
        var result = await workers.Ask<EnsureTrait, TraitResult>(http, new(name));
        if (result.Problem is { } problem)
            return PlacementErrors.Problem(http, problem);
        http.Response.Headers.Location = $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}{PlacementGate.Prefix}/traits/{name}";
        return NoContent(http, result.Created ? 201 : 204, result.CreatedAt);
    }

    static async Task<IResult> Delete(HttpContext http, string name, IRequestClient<DeleteTrait> workers)
    {
        if ((TooEarly(http) ?? PlacementHttp.Authorize(http, "placement:traits:delete")) is { } refused)
            return refused;
        var result = await workers.Ask<DeleteTrait, TraitResult>(http, new(name));
        return result.Problem is { } problem ? PlacementErrors.Problem(http, problem) : Results.NoContent();
    }

    static async Task<IResult> ListOfProvider(HttpContext http, string uuid, IRequestClient<GetProviderTraits> workers)
    {
        if ((TooEarly(http) ?? PlacementHttp.RequireJsonAccepted(http) ?? PlacementHttp.Authorize(http, "placement:resource_providers:traits:list")) is { } refused)
            return refused;
        // This handler catches the failed lookup itself, in its own words, so the answer keeps Vary.
        var missing = PlacementErrors.NotFound($"No resource provider with uuid {uuid} found: No resource provider with uuid {uuid} found");
        if (!PlacementUuid.TryParseCanonical(uuid, out var id))
            return missing;
        var result = await workers.Ask<GetProviderTraits, ProviderTraitsResult>(http, new(id));
        return result.Problem is null ? Traits(http, result) : missing;
    }

    static async Task<IResult> SetOfProvider(HttpContext http, string uuid, IRequestClient<SetProviderTraits> workers)
    {
        if ((TooEarly(http) ?? PlacementHttp.RequireJsonContent(http) ?? PlacementHttp.Authorize(http, "placement:resource_providers:traits:update")) is { } refused)
            return refused;
        // Unlike most writes, Placement reads this body before it looks the provider up.
        var (body, invalid) = await PlacementHttp.ReadJson(http, Schemas.SetOfProvider);
        if (invalid is not null)
            return invalid;
        if (PlacementHttp.ProviderPath(http, uuid, out var id) is { } missing)
            return missing;
        var traits = body.GetProperty("traits").EnumerateArray().Select(t => t.GetString()!).ToList();
        var result = await workers.Ask<SetProviderTraits, ProviderTraitsResult>(http, new(
            id, body.GetProperty("resource_provider_generation").GetInt64(), traits));
        return result.Problem is { } problem ? PlacementErrors.Problem(http, problem) : Traits(http, result);
    }

    static async Task<IResult> DeleteOfProvider(HttpContext http, string uuid, IRequestClient<SetProviderTraits> workers)
    {
        if ((TooEarly(http) ?? PlacementHttp.Authorize(http, "placement:resource_providers:traits:delete")) is { } refused)
            return refused;
        if (PlacementHttp.ProviderPath(http, uuid, out var id) is { } missing)
            return missing;
        var result = await workers.Ask<SetProviderTraits, ProviderTraitsResult>(http, new(id, null, []));
        return result.Problem is { } problem ? PlacementErrors.Problem(http, problem) : Results.NoContent();
    }

    static IResult? TooEarly(HttpContext http) => PlacementVersion.Of(http).AtLeast(Since) ? null : PlacementErrors.NotFound("");

    static IResult Traits(HttpContext http, ProviderTraitsResult result) => PlacementHttp.Json(
        new { traits = result.Traits, resource_provider_generation = result.Generation },
        lastModified: PlacementHttp.LastModifiedFrom15(http, result.LastModified ?? DateTime.UtcNow));

    /// <summary>An answer without a body (Placement sets no content type) but, from 1.15, with the cache headers.</summary>
    static IResult NoContent(HttpContext http, int status, DateTime? modified)
    {
        if (PlacementHttp.LastModifiedFrom15(http, modified ?? DateTime.UtcNow) is { } lastModified)
        {
            http.Response.Headers.LastModified = lastModified.ToString("R");
            http.Response.Headers.CacheControl = "no-cache";
        }
        return Results.StatusCode(status);
    }

    [GeneratedRegex("^CUSTOM_[A-Z0-9_]+$")]
    private static partial Regex CustomTrait();

    /// <summary>Placement 8.0's trait schemas (placement/schemas/trait.py), in its key order.</summary>
    static class Schemas
    {
        public static readonly JsonSchema List = JsonSchema.Parse("""
            {"type": "object", "properties": {"name": {"type": "string"}, "associated": {"type": "string"}},
             "additionalProperties": false}
            """);
        public static readonly JsonSchema SetOfProvider = JsonSchema.Parse("""
            {"type": "object",
             "properties": {
               "traits": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 255}},
               "resource_provider_generation": {"type": "integer"}},
             "required": ["traits", "resource_provider_generation"], "additionalProperties": false}
            """);
    }
}
