namespace Workers.Callbacks;

/// <summary>Thrown at connect time when a callback host resolves to an address the SSRF guard refuses. The URL
/// passed the check at submit, so the name now points elsewhere; retrying would not help.</summary>
public sealed class CallbackAddressRefusedException(string message) : Exception(message);
