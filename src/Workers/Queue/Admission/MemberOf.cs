namespace Workers.Queue.Admission;

/// <summary>An aggregate the instance must land in, and the name the user wrote for it (used in reasons).</summary>
public sealed record MemberOf(Guid Aggregate, string Label);
