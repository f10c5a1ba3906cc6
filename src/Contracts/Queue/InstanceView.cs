namespace Contracts.Queue;

/// <summary>One instance: its server uuid from creation; where it landed and what it holds once admitted.</summary>
public sealed record InstanceView(
    Guid ServerUuid, string? Host, Guid? ResourceProvider, IReadOnlyDictionary<string, int>? Resources);
