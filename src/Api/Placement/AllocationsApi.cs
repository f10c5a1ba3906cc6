using System.Text.Json;
using Api.Http;
using Contracts.Placement;
using MassTransit;

namespace Api.Placement;

/// <summary>
/// <c>/placement/allocations/{consumer}</c> (GET, PUT in each microversion's format, DELETE), <c>POST
/// /placement/allocations</c> (1.13) and <c>GET /placement/resource_providers/{uuid}/allocations</c>.
/// </summary>
public static class AllocationsApi
{
    public static void MapAllocations(this RouteGroupBuilder placement)
    {
        placement.MapGet("/allocations/{consumer}", Show);
        placement.MapPut("/allocations/{consumer}", Put);
        placement.MapDelete("/allocations/{consumer}", Delete);
        placement.MapMethodNotAllowed("/allocations/{consumer}", "GET", "PUT", "DELETE");
        placement.MapPost("/allocations", Post);
        placement.MapMethodNotAllowed("/allocations", "POST");
        placement.MapGet("/resource_providers/{uuid}/allocations", ForProvider);
        placement.MapMethodNotAllowed("/resource_providers/{uuid}/allocations", "GET");
    }

    static async Task<IResult> Show(HttpContext http, string consumer, IRequestClient<GetConsumerAllocations> workers)
    {
        var version = PlacementVersion.Of(http);
        if ((PlacementHttp.RequireJsonAccepted(http) ?? PlacementHttp.Authorize(http, "placement:allocations:list")) is { } refused)
            return refused;
        // Placement looks the path up as a stored uuid string: another spelling holds nothing.
        var view = PlacementUuid.TryParseCanonical(consumer, out var uuid)
            ? await workers.Ask<GetConsumerAllocations, ConsumerAllocationsView>(http, new(uuid))
            : new ConsumerAllocationsView([], null, null, null, null, null);
        var body = new Dictionary<string, object?>
        {
            ["allocations"] = view.Allocations.ToDictionary(p => p.Uuid.ToString(), p => new
            {
                generation = p.Generation,
                resources = p.Resources.ToDictionary(r => r.ResourceClass, r => r.Amount),
            }),
        };
        if (view.Allocations.Count > 0 && version.AtLeast(12))
        {
            body["project_id"] = view.ProjectId;
            body["user_id"] = view.UserId;
            if (version.AtLeast(28))
                body["consumer_generation"] = view.ConsumerGeneration;
            if (version.AtLeast(38))
                body["consumer_type"] = view.ConsumerType;
        }
        return PlacementHttp.Json(body, lastModified: PlacementHttp.LastModifiedFrom15(http, view.LastModified ?? DateTime.UtcNow));
    }

    static async Task<IResult> Put(HttpContext http, string consumer, AllocationWrites workers)
    {
        var version = PlacementVersion.Of(http);
        if ((PlacementHttp.RequireJsonContent(http) ?? PlacementHttp.Authorize(http, "placement:allocations:update")) is { } refused)
            return refused;
        if (!PlacementUuid.TryParse(consumer, out var uuid))
            return PlacementErrors.BadRequest($"Malformed consumer_uuid: {consumer}");
        var (body, invalid) = await PlacementHttp.ReadJson(http, AllocationSchemas.ForPut(version));
        if (invalid is not null)
            return invalid;

        var allocations = version.AtLeast(12)
            ? DictFormat(body.GetProperty("allocations"))
            : ListFormat(body.GetProperty("allocations"));
        var result = await workers.Send(http, new(
            [Consumer(uuid, body, allocations)], SingleConsumer: true, version.AtLeast(28), version.AtLeast(38)));
        return result.Problem is { } problem ? PlacementErrors.Problem(http, problem) : Results.NoContent();
    }

    static async Task<IResult> Post(HttpContext http, AllocationWrites workers)
    {
        var version = PlacementVersion.Of(http);
        if (!version.AtLeast(13))
            return PlacementErrors.NotFound("");
        if ((PlacementHttp.RequireJsonContent(http) ?? PlacementHttp.Authorize(http, "placement:allocations:manage")) is { } refused)
            return refused;
        var (body, invalid) = await PlacementHttp.ReadJson(http, AllocationSchemas.ForPost(version));
        if (invalid is not null)
            return invalid;

        var consumers = body.EnumerateObject()
            .Select(c => Consumer(Guid.Parse(c.Name), c.Value, DictFormat(c.Value.GetProperty("allocations")))).ToList();
        var result = await workers.Send(http, new(consumers, SingleConsumer: false, version.AtLeast(28), version.AtLeast(38)));
        return result.Problem is { } problem ? PlacementErrors.Problem(http, problem) : Results.NoContent();
    }

    static async Task<IResult> Delete(HttpContext http, string consumer, IRequestClient<DeleteAllocations> workers)
    {
        if (PlacementHttp.Authorize(http, "placement:allocations:delete") is { } refused)
            return refused;
        if (!PlacementUuid.TryParseCanonical(consumer, out var uuid))
            return PlacementErrors.NotFound($"No allocations for consumer '{consumer}'");
        var result = await workers.Ask<DeleteAllocations, AllocationsResult>(http, new(uuid));
        return result.Problem is { } problem ? PlacementErrors.Problem(http, problem) : Results.NoContent();
    }

    static async Task<IResult> ForProvider(HttpContext http, string uuid, IRequestClient<GetProviderAllocations> workers)
    {
        var version = PlacementVersion.Of(http);
        if ((PlacementHttp.RequireJsonAccepted(http) ?? PlacementHttp.Authorize(http, "placement:resource_providers:allocations:list")) is { } refused)
            return refused;
        var notFound = PlacementErrors.NotFound($"Resource provider '{uuid}' not found: No resource provider with uuid {uuid} found");
        if (!PlacementUuid.TryParseCanonical(uuid, out var id))
            return notFound;
        var view = await workers.Ask<GetProviderAllocations, ProviderAllocationsView>(http, new(id));
        if (view.Problem is not null)
            return notFound;
        var body = new
        {
            allocations = view.Consumers.ToDictionary(c => c.Uuid.ToString(), c =>
            {
                var consumer = new Dictionary<string, object> { ["resources"] = c.Resources.ToDictionary(r => r.ResourceClass, r => r.Amount) };
                if (version.AtLeast(28))
                    consumer["consumer_generation"] = c.Generation;
                return consumer;
            }),
            resource_provider_generation = view.Generation,
        };
        return PlacementHttp.Json(body, lastModified: PlacementHttp.LastModifiedFrom15(http, view.LastModified ?? DateTime.UtcNow));
    }

    /// <summary>One consumer's part of a body: project and user (from 1.8), generation (1.28), type (1.38).</summary>
    public static ConsumerAllocations Consumer(Guid uuid, JsonElement body, IReadOnlyList<ProviderAllocation> allocations) => new(
        uuid,
        body.TryGetProperty("project_id", out var project) ? project.GetString() : null,
        body.TryGetProperty("user_id", out var user) ? user.GetString() : null,
        body.TryGetProperty("consumer_generation", out var generation) && generation.ValueKind == JsonValueKind.Number ? generation.GetInt64() : null,
        body.TryGetProperty("consumer_type", out var type) ? type.GetString() : null,
        allocations);

    /// <summary>The 1.12 format: <c>{provider uuid: {"resources": {class: amount}}}</c>.</summary>
    public static List<ProviderAllocation> DictFormat(JsonElement allocations) =>
        allocations.EnumerateObject().Select(p => new ProviderAllocation(p.Name, Resources(p.Value.GetProperty("resources")))).ToList();

    /// <summary>The list format (to 1.11). Placement folds it into a dict by provider: a provider listed twice keeps
    /// its first place and its last resources.</summary>
    static List<ProviderAllocation> ListFormat(JsonElement allocations)
    {
        var byProvider = new List<ProviderAllocation>();
        foreach (var item in allocations.EnumerateArray())
        {
            var allocation = new ProviderAllocation(item.GetProperty("resource_provider").GetProperty("uuid").GetString()!, Resources(item.GetProperty("resources")));
            var index = byProvider.FindIndex(p => p.ProviderUuid == allocation.ProviderUuid);
            if (index >= 0) byProvider[index] = allocation;
            else byProvider.Add(allocation);
        }
        return byProvider;
    }

    static List<ResourceAmount> Resources(JsonElement resources) =>
        resources.EnumerateObject().Select(r => new ResourceAmount(r.Name, (long)r.Value.GetDouble())).ToList();
}
