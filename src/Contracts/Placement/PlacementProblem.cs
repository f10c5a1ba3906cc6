namespace Contracts.Placement;

/// <summary>
/// An expected business outcome that Placement answers with an error: the HTTP status, Placement's error code
/// (<c>placement.duplicate_name</c>, ...) and the detail text. The Api renders it in Placement's error body.
/// </summary>
public sealed record PlacementProblem(int Status, string Code, string Detail)
{
    public const string UndefinedCode = "placement.undefined_code";
}
