namespace Contracts.Placement;

/// <param name="LastModified">The latest change among the traits listed (null: none listed).</param>
public sealed record TraitList(IReadOnlyList<string> Names, DateTime? LastModified);
