namespace Api.Http;

/// <summary>The <c>Api</c> section.</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>How long a request waits for a worker's answer before it is a 503 (outcome unknown).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The largest request body accepted; larger is a 413.</summary>
    public long MaxBodyBytes { get; set; } = 1024 * 1024;
}
