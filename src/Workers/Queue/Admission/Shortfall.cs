namespace Workers.Queue.Admission;

/// <summary>Why an allocation request has no candidate.</summary>
/// <param name="LacksCapacity">True when hosts that could take it exist but are too full; false when no host qualifies
/// at all (traits, aggregate, inventory, unit limits), whatever else is running.</param>
public sealed record Shortfall(string Reason, bool LacksCapacity);
