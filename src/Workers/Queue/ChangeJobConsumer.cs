using Contracts.Queue;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Queue;

/// <summary>
/// Reorders a job (a priority, the front or back of its type's queued jobs, or a slot after or before another queued
/// job) or finishes a running one (<c>done</c>, which releases what it holds: <see cref="JobRelease.Finish"/>). The Api
/// sends finishes gathered (<see cref="FinishJobsBatchConsumer"/>); a single one is served here as a batch of one.
/// </summary>
public sealed class ChangeJobConsumer(ServiceDb db, Inbox.Inbox inbox, TimeProvider clock, CapacityAnnouncer announcer) : IConsumer<ChangeJob>
{
    public async Task Consume(ConsumeContext<ChangeJob> context)
    {
        List<Guid> freed = [];
        var result = await inbox.Apply(context, async ct =>
        {
            var (problem, released) = await Change(context.Message, ct);
            freed = released;
            return new JobChangeResult(problem);
        }, r => r.Problem is not null);
        // The wake-up goes first: admission starts while the answer travels back.
        if (result.Problem is null && context.Message.Status is null)
            await context.Publish(new QueueChanged(context.Message.Type, "job reprioritised"));
        else if (result.Problem is null && freed.Count > 0)
            announcer.Freed(freed, "job done");
        await context.RespondAsync(result);
    }

    async Task<(QueueProblem?, List<Guid>)> Change(ChangeJob command, CancellationToken ct)
    {
        // Moves that read the type's order (front, back, after, before) are serialised per type; a plain priority or
        // a status change touches one row, which its status token already guards.
        if (command.Position is not null || command.After is not null || command.Before is not null)
            await QueueLocks.LockType(db, command.Type, ct);
        var now = clock.GetUtcNow().UtcDateTime;
        // A finish, as a batch of one (the Api sends finishes as FinishJobsBatch; this serves a single ChangeJob).
        if (command.Status == JobStatus.Done)
            return (await JobRelease.Finish(db, [command], now, ct))[0];
        var job = await JobViews.Find(db, command.Type, command.RequestId, command.OwnerScope, withDeleted: false, ct);
        if (job is null)
            return (QueueProblem.NotFound(command.Type, command.RequestId), []);
        if (command.Status is not null)
            return (JobRelease.NotRunning(job.RequestId, job.Status), []);

        var (priority, problem) = await NewPriority(command, job, ct);
        if (problem is not null)
            return (problem, []);
        (job.Priority, job.UpdatedAt) = (priority, now);
        return (null, []);
    }

    async Task<(long, QueueProblem?)> NewPriority(ChangeJob command, JobRecord job, CancellationToken ct)
    {
        if (command.Priority is { } priority)
            return (priority, null);

        var others = db.Jobs.Where(j => j.Type == job.Type && j.Status == JobStatus.Queued && j.Id != job.Id);
        if (command.Position == "front")
        {
            var min = await others.MinAsync(j => (long?)j.Priority, ct);
            return min is null ? (job.Priority, null) : Between(null, min.Value, job.RequestId);
        }
        if (command.Position == "back")
        {
            var max = await others.MaxAsync(j => (long?)j.Priority, ct);
            return max is null ? (job.Priority, null) : Between(max.Value, null, job.RequestId);
        }

        var neighbourId = command.After ?? command.Before!;
        var neighbour = await others.SingleOrDefaultAsync(j => j.RequestId == neighbourId, ct);
        if (neighbour is null)
            return (0, new QueueProblem(400, "invalid_field", $"{(command.After is null ? "before" : "after")}: no other queued job '{neighbourId}' in queue '{job.Type}'"));
        if (command.After is not null)
        {
            var next = await others.Where(j => j.Priority > neighbour.Priority || (j.Priority == neighbour.Priority && j.Id > neighbour.Id))
                .OrderBy(j => j.Priority).ThenBy(j => j.Id).Select(j => (long?)j.Priority).FirstOrDefaultAsync(ct);
            return Between(neighbour.Priority, next, job.RequestId);
        }
        var previous = await others.Where(j => j.Priority < neighbour.Priority || (j.Priority == neighbour.Priority && j.Id < neighbour.Id))
            .OrderByDescending(j => j.Priority).ThenByDescending(j => j.Id).Select(j => (long?)j.Priority).FirstOrDefaultAsync(ct);
        return Between(previous, neighbour.Priority, job.RequestId);
    }

    static Int128 FloorHalf(Int128 sum) => sum / 2 - (sum < 0 && sum % 2 != 0 ? 1 : 0);

    /// <summary>
    /// A priority strictly between two neighbours (either may be missing: the end of the queue): the floor of their
    /// average, or one past the only neighbour. No integer between them is <c>no_room</c>.
    /// </summary>
    static (long, QueueProblem?) Between(long? low, long? high, string requestId)
    {
        Int128 candidate = (low, high) switch
        {
            ({ } l, { } h) => FloorHalf((Int128)l + h),
            ({ } l, null) => (Int128)l + 1,
            (null, { } h) => (Int128)h - 1,
            _ => throw new InvalidOperationException("a slot needs a neighbour"),
        };
        var fits = (low is null || candidate > low) && (high is null || candidate < high)
                   && candidate >= long.MinValue && candidate <= long.MaxValue;
        return fits
            ? ((long)candidate, null)
            : (0, new QueueProblem(409, "no_room", $"no priority is free between the neighbours of the slot asked for job '{requestId}'"));
    }
}
