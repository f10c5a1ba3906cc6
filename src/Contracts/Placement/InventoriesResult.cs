namespace Contracts.Placement;

/// <summary>A provider's inventories after a read or a write, with its generation then; or the problem.</summary>
/// <param name="LastModified">The latest change among the inventories (null: none, or just written).</param>
public sealed record InventoriesResult(
    long Generation, IReadOnlyList<Inventory> Inventories, DateTime? LastModified, PlacementProblem? Problem);
