namespace Contracts.Placement;

/// <summary>One resource class's inventory on a provider, as Placement shows and takes it.</summary>
public sealed record Inventory(
    string ResourceClass, int Total, int Reserved, int MinUnit, int MaxUnit, int StepSize, double AllocationRatio);
