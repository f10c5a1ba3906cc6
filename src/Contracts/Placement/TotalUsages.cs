namespace Contracts.Placement;

/// <summary>Rows of (consumer type, resource class, amount, consumers); the type and count only when asked by type.</summary>
public sealed record TotalUsages(IReadOnlyList<TotalUsages.Row> Rows)
{
    public sealed record Row(string? ConsumerType, string ResourceClass, long Used, long ConsumerCount);
}
