namespace Contracts.Placement;

/// <summary>
/// An expected business outcome that Placement answers with an error: the HTTP status, Placement's error code
/// (<c>placement.duplicate_name</c>, ...) and the detail text. The Api renders it in Placement's error body.
/// </summary>
/// <param name="WithoutVary">Placement raises this one past its handler (a failed lookup), so its answer carries the
/// version header but no <c>Vary</c>.</param>
public sealed record PlacementProblem(int Status, string Code, string Detail, bool WithoutVary = false)
{
    public const string ConcurrentUpdate = "placement.concurrent_update";
    public const string InventoryInUse = "placement.inventory.inuse";

    public const string UndefinedCode = "placement.undefined_code";

    /// <summary>Placement's provider lookup failing: raised past its handlers, so without Vary.</summary>
    public static PlacementProblem ProviderNotFound(string uuid) =>
        new(404, UndefinedCode, $"No resource provider with uuid {uuid} found", WithoutVary: true);
}
