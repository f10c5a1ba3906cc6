namespace Contracts.Queue;

public sealed record QueueTypeList(IReadOnlyList<QueueTypeCounts> Types);
