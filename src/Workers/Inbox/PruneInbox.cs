using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Quartz;
using Workers.Data;

namespace Workers.Inbox;

/// <summary>Quartz job: deletes inbox records older than <c>Inbox:Retention</c>.</summary>
[DisallowConcurrentExecution]
public sealed class PruneInbox(ServiceDb db, TimeProvider clock, IOptions<InboxOptions> options, ILogger<PruneInbox> logger) : IJob
{
    public static readonly JobKey Key = new(nameof(PruneInbox));

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime - options.Value.Retention;
        var deleted = await db.Inbox.Where(x => x.ReceivedAt < cutoff).ExecuteDeleteAsync(cancellationToken);
        if (deleted > 0)
            logger.LogInformation("Pruned {Count} inbox records received before {Cutoff:O}", deleted, cutoff);
    }
}
