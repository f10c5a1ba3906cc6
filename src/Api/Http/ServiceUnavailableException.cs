namespace Api.Http;

/// <summary>
/// No worker answered within <c>Api:RequestTimeout</c> (broker or database down, or overloaded). The command may
/// still commit later, so the answer is 503 with <c>Retry-After</c>: outcome unknown, safe to retry.
/// </summary>
public sealed class ServiceUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
