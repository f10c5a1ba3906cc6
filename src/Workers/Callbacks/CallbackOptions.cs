using System.ComponentModel.DataAnnotations;

namespace Workers.Callbacks;

/// <summary>The <c>Callbacks</c> section: delivery of job events to the jobs' callback URLs.</summary>
public sealed class CallbackOptions
{
    public const string Section = "Callbacks";

    /// <summary>Lets callbacks reach loopback, private, link-local and similar addresses. Development only: in a
    /// cloud these are the service's own neighbours (metadata service, database, broker).</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>HMAC-SHA256 secret for <c>X-Queue-Signature</c>; without one (null or empty) no signature is sent.</summary>
    public string? SigningKey { get; set; }

    /// <summary>Attempts per delivery, the first included, before it is given up.</summary>
    [Range(1, int.MaxValue)]
    public int MaxAttempts { get; set; } = 10;

    /// <summary>How long after its first attempt a delivery is still retried.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(1);

    /// <summary>One attempt, from connecting to the response's headers.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>What a finally failed delivery does to its job: <c>keep</c> it running, or <c>release</c> its
    /// resources and mark it failed.</summary>
    [AllowedValues("keep", "release")]
    public string FailurePolicy { get; set; } = "keep";

    public bool ReleaseOnFailure => FailurePolicy == "release";

    public bool SignsDeliveries => !string.IsNullOrEmpty(SigningKey);
}
