namespace Contracts.Operations;

public sealed record DatabaseHealth(bool Reachable, string Provider, string? Error);
