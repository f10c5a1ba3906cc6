using System.Collections.Frozen;

namespace Workers.Queue.Admission;

/// <summary>What one instance asks for: one allocation request in Placement's sense.</summary>
/// <param name="Resources">Amounts by resource class name; a zero amount is not requested (Placement rejects zero).</param>
public sealed record AllocationRequest(IReadOnlyDictionary<string, long> Resources)
{
    public IReadOnlySet<string> RequiredTraits { get; init; } = FrozenSet<string>.Empty;
    public IReadOnlySet<string> ForbiddenTraits { get; init; } = FrozenSet<string>.Empty;
    public MemberOf? MemberOf { get; init; }
}
