using Api.Http;

namespace Api.Placement;

public static class PlacementRoutes
{
    static readonly string[] Methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

    /// <summary>
    /// Placement answers a known path with a wrong method by 405 and an <c>Allow</c> header listing its methods in
    /// its own order; this maps the other methods of <paramref name="pattern"/> to that answer.
    /// </summary>
    public static void MapMethodNotAllowed(this IEndpointRouteBuilder routes, string pattern, params string[] allowed)
    {
        var allow = string.Join(", ", allowed);
        routes.MapMethods(pattern, Methods.Except(allowed).Except(allowed.Contains("GET") ? ["HEAD"] : []), (HttpContext http) =>
        {
            http.Response.Headers.Allow = allow;
            return PlacementErrors.Error(405, "The method specified is not allowed for this resource.");
        }).ExcludeFromDescription();
    }

    /// <summary>Everything under <c>/placement</c>: the version document, the resources, and Placement's 404 for the rest.</summary>
    public static IEndpointRouteBuilder MapPlacement(this IEndpointRouteBuilder routes)
    {
        var placement = routes.MapGroup(PlacementGate.Prefix).WithTags("Placement");
        placement.MapVersionDocument();
        placement.MapResourceProviders();
        placement.MapInventories();
        placement.MapTraits();
        placement.MapAggregates();
        placement.MapResourceClasses();
        placement.MapUsages();
        placement.MapAllocations();
        placement.MapReshaper();
        placement.Map("{**unknown}", (HttpContext http) =>
        {
            PlacementErrors.SuppressVary(http); // a routing miss happens outside Placement's handlers
            return PlacementErrors.NotFound("");
        }).ExcludeFromDescription().WithOrder(int.MaxValue);
        return routes;
    }
}
