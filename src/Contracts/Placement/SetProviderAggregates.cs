namespace Contracts.Placement;

/// <summary>Replaces the aggregates a provider belongs to (PUT .../aggregates); unknown aggregates come into being.</summary>
/// <param name="Generation">From microversion 1.19 the provider generation the client saw, checked and then moved;
/// null (before 1.19) neither checks nor moves it, as Placement did then.</param>
/// <param name="Aggregates">Aggregate uuids as the client wrote them: Placement keeps the string, any spelling.</param>
public sealed record SetProviderAggregates(Guid ProviderUuid, long? Generation, IReadOnlyList<string> Aggregates);
