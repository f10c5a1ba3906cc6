using System.Text.Json;
using Api.Http;
using Contracts.Placement;
using MassTransit;

namespace Api.Placement;

/// <summary>
/// <c>/placement/resource_providers</c>: create, list, show, update and delete providers, as Placement 8.0 answers
/// at each microversion (1.14 parents and roots, 1.15 cache headers, 1.20 create answers the provider, 1.37
/// re-parenting). Each handler makes Placement's checks in Placement's order, so the first error is the same.
/// </summary>
public static class ResourceProvidersApi
{
    public static void MapResourceProviders(this RouteGroupBuilder placement)
    {
        placement.MapGet("/resource_providers", List);
        placement.MapPost("/resource_providers", Create);
        placement.MapMethodNotAllowed("/resource_providers", "GET", "POST");
        placement.MapGet("/resource_providers/{uuid}", Show);
        placement.MapPut("/resource_providers/{uuid}", Update);
        placement.MapDelete("/resource_providers/{uuid}", Delete);
        placement.MapMethodNotAllowed("/resource_providers/{uuid}", "GET", "DELETE", "PUT");
    }

    static async Task<IResult> List(HttpContext http, IRequestClient<ListResourceProviders> workers)
    {
        var version = PlacementVersion.Of(http);
        if ((PlacementHttp.RequireJsonAccepted(http) ?? PlacementHttp.Authorize(http, "placement:resource_providers:list")) is { } refused)
            return refused;
        var schema = version.AtLeast(18) ? Schemas.List18 : version.AtLeast(14) ? Schemas.List14
            : version.AtLeast(4) ? Schemas.List4 : version.AtLeast(3) ? Schemas.List3 : Schemas.List;
        if (PlacementHttp.ValidateQuery(http, schema) is { } invalid)
            return invalid;

        // Placement parses member_of, then required, then resources: the first malformed one answers.
        List<IReadOnlyList<string>>? memberOf = null, requiredTraits = null;
        List<string>? forbiddenAggregates = null, forbiddenTraits = null;
        List<ResourceAmount>? resources = null;
        if (http.Request.Query.ContainsKey("member_of") && PlacementQuery.MemberOf(http, "", out memberOf, out forbiddenAggregates) is { } badMemberOf)
            return badMemberOf;
        if (http.Request.Query.ContainsKey("required") && PlacementQuery.RequiredTraits(http, "", out requiredTraits, out forbiddenTraits) is { } badRequired)
            return badRequired;
        if (PlacementHttp.Query(http, "resources") is { } wanted && PlacementQuery.Resources(wanted, out resources) is { } badResources)
            return badResources;

        var list = await workers.Ask<ListResourceProviders, ResourceProviderList>(http, new(
            PlacementHttp.Query(http, "name"), PlacementHttp.Query(http, "uuid"), PlacementHttp.Query(http, "in_tree"),
            memberOf, forbiddenAggregates, resources, requiredTraits, forbiddenTraits));
        if (list.Problem is { } problem)
            return Error(http, problem);
        var modified = list.Providers.Select(Modified).DefaultIfEmpty(DateTime.UtcNow).Max();
        return PlacementHttp.Json(new { resource_providers = list.Providers.Select(p => Json(p, version)) },
            lastModified: PlacementHttp.LastModifiedFrom15(http, modified));
    }

    static async Task<IResult> Create(HttpContext http, IRequestClient<CreateResourceProvider> workers)
    {
        var version = PlacementVersion.Of(http);
        if ((PlacementHttp.RequireJsonContent(http) ?? PlacementHttp.Authorize(http, "placement:resource_providers:create")) is { } refused)
            return refused;
        var (body, invalid) = await PlacementHttp.ReadJson(http, version.AtLeast(14) ? Schemas.Create14 : Schemas.Create);
        if (invalid is not null)
            return invalid;

        var name = body.GetProperty("name").GetString()!;
        // The provider's own uuid is normalised (any form is_uuid_like accepts); references to others are not.
        var uuid = body.TryGetProperty("uuid", out var given) && PlacementUuid.TryParse(given.GetString(), out var u) ? u : Guid.NewGuid();
        if (name.Length == 0)
            return PlacementErrors.BadRequest(
                $"Unable to create resource provider \"\", {uuid}: Object action create failed because: name is required");
        var parent = body.TryGetProperty("parent_provider_uuid", out var p) ? p.GetString() : null;

        var result = await workers.Ask<CreateResourceProvider, ResourceProviderResult>(http, new(uuid, name, parent));
        if (result.Problem is { } problem)
            return Error(http, problem);
        var provider = result.Provider!;
        http.Response.Headers.Location = $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}{SelfHref(provider.Uuid)}";
        return version.AtLeast(20)
            ? PlacementHttp.Json(Json(provider, version), lastModified: Modified(provider))
            : Results.StatusCode(201);
    }

    static async Task<IResult> Show(HttpContext http, string uuid, IRequestClient<GetResourceProvider> workers)
    {
        if ((PlacementHttp.RequireJsonAccepted(http) ?? PlacementHttp.Authorize(http, "placement:resource_providers:show")) is { } refused)
            return refused;
        if (PlacementHttp.ProviderPath(http, uuid, out var id) is { } missing)
            return missing;

        var result = await workers.Ask<GetResourceProvider, ResourceProviderResult>(http, new(id));
        return result.Problem is { } problem
            ? Error(http, problem)
            : PlacementHttp.Json(Json(result.Provider!, PlacementVersion.Of(http)),
                lastModified: PlacementHttp.LastModifiedFrom15(http, Modified(result.Provider!)));
    }

    static async Task<IResult> Update(HttpContext http, string uuid, IRequestClient<UpdateResourceProvider> workers,
        IRequestClient<GetResourceProvider> reader)
    {
        var version = PlacementVersion.Of(http);
        if ((PlacementHttp.RequireJsonContent(http) ?? PlacementHttp.Authorize(http, "placement:resource_providers:update")) is { } refused)
            return refused;
        if (PlacementHttp.ProviderPath(http, uuid, out var id) is { } missing)
            return missing;
        var (body, invalid) = await PlacementHttp.ReadJson(http, version.AtLeast(14) ? Schemas.Update14 : Schemas.Update);
        if (invalid is not null)
        {
            // Placement looks the provider up before it reads the body: an unknown provider is a 404 whatever the body.
            var existing = await reader.Ask<GetResourceProvider, ResourceProviderResult>(http, new(id));
            return existing.Problem is { } unknown ? Error(http, unknown) : invalid;
        }

        var setsParent = body.TryGetProperty("parent_provider_uuid", out var p);
        var result = await workers.Ask<UpdateResourceProvider, ResourceProviderResult>(http, new(
            id, body.GetProperty("name").GetString()!, setsParent, setsParent ? p.GetString() : null,
            AllowReparenting: version.AtLeast(37)));
        return result.Problem is { } problem
            ? Error(http, problem)
            : PlacementHttp.Json(Json(result.Provider!, version),
                lastModified: PlacementHttp.LastModifiedFrom15(http, Modified(result.Provider!)));
    }

    static async Task<IResult> Delete(HttpContext http, string uuid, IRequestClient<DeleteResourceProvider> workers)
    {
        if (PlacementHttp.Authorize(http, "placement:resource_providers:delete") is { } refused)
            return refused;
        if (!PlacementUuid.TryParseCanonical(uuid, out var id))
            return PlacementErrors.NotFound($"No resource provider with uuid {uuid} found for delete");

        var result = await workers.Ask<DeleteResourceProvider, ResourceProviderResult>(http, new(id));
        return result.Problem is { } problem ? Error(http, problem) : Results.NoContent();
    }

    static IResult Error(HttpContext http, PlacementProblem problem) => PlacementErrors.Problem(http, problem);

    static DateTime Modified(ResourceProvider provider) => provider.UpdatedAt ?? provider.CreatedAt;


    static string SelfHref(Guid uuid) => $"{PlacementGate.Prefix}/resource_providers/{uuid}";

    static Dictionary<string, object?> Json(ResourceProvider provider, PlacementVersion version)
    {
        var self = SelfHref(provider.Uuid);
        var rels = new List<string> { "inventories", "usages" };
        if (version.AtLeast(1)) rels.Add("aggregates");
        if (version.AtLeast(6)) rels.Add("traits");
        if (version.AtLeast(11)) rels.Add("allocations");
        var json = new Dictionary<string, object?>
        {
            ["uuid"] = provider.Uuid,
            ["name"] = provider.Name,
            ["generation"] = provider.Generation,
            ["links"] = rels.Select(rel => new { rel, href = $"{self}/{rel}" }).Prepend(new { rel = "self", href = self }),
        };
        if (version.AtLeast(14))
        {
            json["parent_provider_uuid"] = provider.ParentUuid;
            json["root_provider_uuid"] = provider.RootUuid;
        }
        return json;
    }

    /// <summary>Placement 8.0's schemas for these requests (placement/schemas/resource_provider.py), in its key order.</summary>
    static class Schemas
    {
        const string CreateText = """
            {"type": "object",
             "properties": {"name": {"type": "string", "maxLength": 200}, "uuid": {"type": "string", "format": "uuid"}},
             "required": ["name"], "additionalProperties": false}
            """;
        const string Create14Text = """
            {"type": "object",
             "properties": {"name": {"type": "string", "maxLength": 200}, "uuid": {"type": "string", "format": "uuid"},
                            "parent_provider_uuid": {"anyOf": [{"type": "string", "format": "uuid"}, {"type": "null"}]}},
             "required": ["name"], "additionalProperties": false}
            """;
        public static readonly JsonSchema Create = JsonSchema.Parse(CreateText);
        public static readonly JsonSchema Create14 = JsonSchema.Parse(Create14Text);
        public static readonly JsonSchema Update = JsonSchema.Parse(CreateText.Replace(""", "uuid": {"type": "string", "format": "uuid"}""", ""));
        public static readonly JsonSchema Update14 = JsonSchema.Parse(Create14Text.Replace(""", "uuid": {"type": "string", "format": "uuid"}""", ""));
        const string ListText = """
            {"type": "object",
             "properties": {"name": {"type": "string"}, "uuid": {"type": "string", "format": "uuid"}},
             "additionalProperties": false}
            """;
        static JsonSchema ListWith(string more) => JsonSchema.Parse(ListText.Replace("""{"type": "string", "format": "uuid"}}""",
            """{"type": "string", "format": "uuid"}""" + more + "}"));
        public static readonly JsonSchema List = JsonSchema.Parse(ListText);
        public static readonly JsonSchema List3 = ListWith(""", "member_of": {"type": "string"}""");
        public static readonly JsonSchema List4 = ListWith(""", "member_of": {"type": "string"}, "resources": {"type": "string"}""");
        public static readonly JsonSchema List14 = ListWith(
            """, "member_of": {"type": "string"}, "resources": {"type": "string"}, "in_tree": {"type": "string", "format": "uuid"}""");
        public static readonly JsonSchema List18 = ListWith(
            """, "member_of": {"type": "string"}, "resources": {"type": "string"}, "in_tree": {"type": "string", "format": "uuid"}, "required": {"type": "string"}""");
    }
}
