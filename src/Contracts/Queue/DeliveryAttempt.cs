namespace Contracts.Queue;

/// <summary>One attempt: when, and the HTTP status or the error.</summary>
public sealed record DeliveryAttempt(DateTime At, int? Status, string? Error);
