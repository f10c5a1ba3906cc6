using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace Workers.Inbox;

/// <summary>
/// Fault injection for resilience tests, off unless <c>Workers:Faults:KillAfterCommit</c> names a message type:
/// the process then kills itself right after committing such a command and before acknowledging it, which is the
/// window the inbox exists for.
/// </summary>
public sealed class WorkerFaults(IOptions<WorkerFaultOptions> options, ILogger<WorkerFaults> logger)
{
    public void AfterCommit(string messageType)
    {
        if (!string.Equals(options.Value.KillAfterCommit, messageType, StringComparison.Ordinal))
            return;
        logger.LogWarning("Fault injection: killing this worker after committing {MessageType}", messageType);
        Process.GetCurrentProcess().Kill();
    }
}
