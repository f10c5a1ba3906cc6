using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

public sealed class GetConsumerAllocationsConsumer(ServiceDb db) : IConsumer<GetConsumerAllocations>
{
    /// <summary>How Placement names the type of a consumer written before 1.38 (it has none).</summary>
    public const string UnknownType = "unknown";

    public async Task Consume(ConsumeContext<GetConsumerAllocations> context)
    {
        var ct = context.CancellationToken;
        var uuid = context.Message.ConsumerUuid;
        var rows = await (from c in db.Consumers
                          join a in db.Allocations on c.Uuid equals a.ConsumerUuid
                          join p in db.ResourceProviders on a.ResourceProviderId equals p.Id
                          join rc in db.ResourceClasses on a.ResourceClassId equals rc.Id
                          join project in db.Projects on c.ProjectId equals project.Id
                          join user in db.Users on c.UserId equals user.Id
                          join t in db.ConsumerTypes on c.ConsumerTypeId equals t.Id into types
                          from t in types.DefaultIfEmpty()
                          where c.Uuid == uuid
                          orderby a.Id
                          select new
                          {
                              ProviderUuid = p.Uuid, ProviderGeneration = p.Generation, Class = rc.Name, a.Used,
                              Project = project.ExternalId, User = user.ExternalId, c.Generation, Type = t == null ? UnknownType : t.Name,
                              Modified = a.UpdatedAt ?? a.CreatedAt,
                          }).AsNoTracking().ToListAsync(ct);
        if (rows.Count == 0)
        {
            await context.RespondAsync(new ConsumerAllocationsView([], null, null, null, null, null));
            return;
        }
        var first = rows[0];
        var providers = rows.GroupBy(r => r.ProviderUuid)
            .Select(g => new ConsumerAllocationsView.Provider(g.Key, g.First().ProviderGeneration,
                g.Select(r => new ResourceAmount(r.Class, r.Used)).ToList()))
            .ToList();
        await context.RespondAsync(new ConsumerAllocationsView(providers, first.Project, first.User, first.Generation, first.Type,
            rows.Max(r => r.Modified)));
    }
}
