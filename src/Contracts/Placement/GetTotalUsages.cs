namespace Contracts.Placement;

/// <summary>A project's (and optionally a user's) allocations summed per resource class.</summary>
/// <param name="ByConsumerType">From 1.38: grouped by consumer type with consumer counts.</param>
/// <param name="ConsumerType">From 1.38: only this type; <c>all</c> and <c>unknown</c> (untyped) group as one.</param>
public sealed record GetTotalUsages(string ProjectId, string? UserId, bool ByConsumerType, string? ConsumerType);
