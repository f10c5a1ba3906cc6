using System.Text.Json;
using Api.Http;
using Contracts.Placement;
using MassTransit;

namespace Api.Placement;

/// <summary>
/// <c>/placement/resource_classes</c> from 1.2: list, show, create custom classes (POST), rename them (PUT, 1.2 to
/// 1.6), create-or-confirm them (bodiless PUT, 1.7 and later), delete them.
/// </summary>
public static class ResourceClassesApi
{
    public static void MapResourceClasses(this RouteGroupBuilder placement)
    {
        placement.MapGet("/resource_classes", List);
        placement.MapPost("/resource_classes", Create);
        placement.MapMethodNotAllowed("/resource_classes", "GET", "POST");
        placement.MapGet("/resource_classes/{name}", Show);
        placement.MapPut("/resource_classes/{name}", Put);
        placement.MapDelete("/resource_classes/{name}", Delete);
        placement.MapMethodNotAllowed("/resource_classes/{name}", "GET", "PUT", "DELETE");
    }

    static readonly JsonSchema NameSchema = JsonSchema.Parse("""
        {"type": "object",
         "properties": {"name": {"type": "string", "pattern": "^CUSTOM_[A-Z0-9_]+$", "maxLength": 255}},
         "required": ["name"], "additionalProperties": false}
        """);

    // Before 1.2 these routes do not exist for Placement: its version check answers 404 ahead of everything else.
    static IResult? Before12(HttpContext http) => PlacementVersion.Of(http).AtLeast(2) ? null : PlacementErrors.NotFound("");

    static async Task<IResult> List(HttpContext http, IRequestClient<ListResourceClasses> workers)
    {
        if ((Before12(http) ?? PlacementHttp.RequireJsonAccepted(http) ?? PlacementHttp.Authorize(http, "placement:resource_classes:list")) is { } refused)
            return refused;
        var list = await workers.Ask<ListResourceClasses, ResourceClassList>(http, new());
        var modified = list.ResourceClasses.Select(c => c.UpdatedAt ?? c.CreatedAt).DefaultIfEmpty(DateTime.UtcNow).Max();
        return PlacementHttp.Json(new { resource_classes = list.ResourceClasses.Select(c => Json(c.Name)) },
            lastModified: PlacementHttp.LastModifiedFrom15(http, modified));
    }

    static async Task<IResult> Show(HttpContext http, string name, IRequestClient<GetResourceClass> workers)
    {
        if ((Before12(http) ?? PlacementHttp.RequireJsonAccepted(http) ?? PlacementHttp.Authorize(http, "placement:resource_classes:show")) is { } refused)
            return refused;
        var result = await workers.Ask<GetResourceClass, ResourceClassResult>(http, new(name));
        if (result.Problem is { } problem)
            return PlacementErrors.Problem(http, problem);
        var rc = result.ResourceClass!;
        return PlacementHttp.Json(Json(rc.Name), lastModified: PlacementHttp.LastModifiedFrom15(http, rc.UpdatedAt ?? rc.CreatedAt));
    }

    static async Task<IResult> Create(HttpContext http, IRequestClient<CreateResourceClass> workers)
    {
        if ((Before12(http) ?? PlacementHttp.RequireJsonContent(http) ?? PlacementHttp.Authorize(http, "placement:resource_classes:create")) is { } refused)
            return refused;
        var (body, invalid) = await PlacementHttp.ReadJson(http, NameSchema);
        if (invalid is not null)
            return invalid;
        var name = body.GetProperty("name").GetString()!;
        var result = await workers.Ask<CreateResourceClass, ResourceClassResult>(http, new(name));
        if (result.Problem is { } problem)
            return PlacementErrors.Problem(http, problem);
        http.Response.Headers.Location = Location(http, name);
        return Results.StatusCode(201);
    }

    /// <summary>1.2 to 1.6: rename with a body. From 1.7: the path names a custom class to create if missing (the
    /// body, if any, is ignored), 201 when created, 204 when it was there.</summary>
    static async Task<IResult> Put(HttpContext http, string name, IRequestClient<RenameResourceClass> rename, IRequestClient<EnsureResourceClass> ensure)
    {
        if (Before12(http) is { } missing)
            return missing;
        if (!PlacementVersion.Of(http).AtLeast(7))
        {
            if ((PlacementHttp.RequireJsonContent(http) ?? PlacementHttp.Authorize(http, "placement:resource_classes:update")) is { } refused)
                return refused;
            var (body, invalid) = await PlacementHttp.ReadJson(http, NameSchema);
            if (invalid is not null)
                return invalid;
            var renamed = await rename.Ask<RenameResourceClass, ResourceClassResult>(http, new(name, body.GetProperty("name").GetString()!));
            return renamed.Problem is { } problem ? PlacementErrors.Problem(http, problem) : PlacementHttp.Json(Json(renamed.ResourceClass!.Name));
        }

        if (PlacementHttp.Authorize(http, "placement:resource_classes:update") is { } forbidden)
            return forbidden;
        // Placement checks the path by validating {"name": <path>} against the POST schema.
        if (NameSchema.Validate(JsonSerializer.SerializeToElement(new { name })) is { } bad)
            return PlacementErrors.BadRequest($"JSON does not validate: {bad}");
        var result = await ensure.Ask<EnsureResourceClass, ResourceClassResult>(http, new(name));
        if (result.Problem is { } refusedPut)
            return PlacementErrors.Problem(http, refusedPut);
        http.Response.Headers.Location = Location(http, name);
        return Results.StatusCode(result.Created ? 201 : 204);
    }

    static async Task<IResult> Delete(HttpContext http, string name, IRequestClient<DeleteResourceClass> workers)
    {
        if ((Before12(http) ?? PlacementHttp.Authorize(http, "placement:resource_classes:delete")) is { } refused)
            return refused;
        var result = await workers.Ask<DeleteResourceClass, ResourceClassResult>(http, new(name));
        return result.Problem is { } problem ? PlacementErrors.Problem(http, problem) : Results.NoContent();
    }

    static string Location(HttpContext http, string name) =>
        $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}{PlacementGate.Prefix}/resource_classes/{name}";

    static object Json(string name) => new
    {
        name,
        links = new[] { new { rel = "self", href = $"{PlacementGate.Prefix}/resource_classes/{name}" } },
    };
}
