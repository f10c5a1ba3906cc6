using Contracts.Queue;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Queue;

/// <summary>A page of a type's jobs in queue order (priority, then id), after the marker's job.</summary>
public sealed class ListJobsConsumer(ServiceDb db) : IConsumer<ListJobs>
{
    public async Task Consume(ConsumeContext<ListJobs> context)
    {
        var query = context.Message;
        var ct = context.CancellationToken;
        var jobs = db.Jobs.AsNoTracking().Where(j => j.Type == query.Type);
        if (query.OwnerScope is not null)
            jobs = jobs.Where(j => j.OwnerId == query.OwnerScope);
        if (query.OwnerId is not null)
            jobs = jobs.Where(j => j.OwnerId == query.OwnerId);
        jobs = query.Status is null ? jobs.Where(j => j.Status != JobStatus.Deleted) : jobs.Where(j => j.Status == query.Status);
        if (query.Marker is not null)
        {
            var marker = await JobViews.Find(db, query.Type, query.Marker, query.OwnerScope, withDeleted: true, ct);
            if (marker is null)
            {
                await context.RespondAsync(new JobList([], null, new QueueProblem(400, "invalid_field", $"marker: no job '{query.Marker}' in queue '{query.Type}'")));
                return;
            }
            jobs = jobs.Where(j => j.Priority > marker.Priority || (j.Priority == marker.Priority && j.Id > marker.Id));
        }

        var page = await jobs.OrderBy(j => j.Priority).ThenBy(j => j.Id).Take(query.Limit + 1).ToListAsync(ct);
        var more = page.Count > query.Limit;
        if (more)
            page.RemoveAt(page.Count - 1);
        await context.RespondAsync(new JobList(await JobViews.Of(db, page, ct), more ? page[^1].RequestId : null, null));
    }
}
