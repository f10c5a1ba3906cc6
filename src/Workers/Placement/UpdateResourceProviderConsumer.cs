using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

/// <summary>
/// Renames a provider and, from 1.14, sets its parent. Before 1.37 a parent may only be given to a root; from 1.37
/// a provider may move to another parent or become a root, taking its whole subtree along.
/// Placement checks the parent before the name, so a request wrong in both answers the parent's 400.
/// </summary>
public sealed class UpdateResourceProviderConsumer(ServiceDb db, Inbox.Inbox inbox, TimeProvider clock)
    : IConsumer<UpdateResourceProvider>
{
    public async Task Consume(ConsumeContext<UpdateResourceProvider> context) =>
        await context.RespondAsync(await inbox.Apply(context, ct => Update(context.Message, ct), r => r.Problem is not null));

    async Task<ResourceProviderResult> Update(UpdateResourceProvider command, CancellationToken ct)
    {
        var provider = await db.ResourceProviders.SingleOrDefaultAsync(x => x.Uuid == command.Uuid, ct);
        if (provider is null)
            return new(null, ProviderViews.NotFound(command.Uuid));

        if (command.SetsParent && await Reparent(provider, command, ct) is { } refused)
            return new(null, refused);

        if (await db.ResourceProviders.AnyAsync(x => x.Name == command.Name && x.Id != provider.Id, ct))
            return new(null, new PlacementProblem(409, "placement.duplicate_name",
                $"Conflicting resource provider {command.Name} already exists."));

        provider.Name = command.Name;
        provider.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        var view = await ProviderViews.Of(db.ResourceProviders.Where(x => x.Id == provider.Id), db).SingleAsync(ct);
        return new(view, null);
    }

    async Task<PlacementProblem?> Reparent(ResourceProviderRecord provider, UpdateResourceProvider command, CancellationToken ct)
    {
        if (command.ParentUuid is { } parentUuid)
        {
            var parent = await ProviderViews.FindByStoredUuid(db, parentUuid, ct);
            if (parent is null)
                return Refused(command, "create", "parent provider UUID does not exist.");
            if (provider.ParentId is not null && provider.ParentId != parent.Id && !command.AllowReparenting)
                return Refused(command, "update", "re-parenting a provider is not currently allowed.");
            var subtree = await Subtree(provider, ct);
            if (subtree.Any(x => x.Id == parent.Id))
                return Refused(command, "update", "creating loop in the provider tree is not allowed.");
            provider.ParentId = parent.Id;
            foreach (var member in subtree)
                member.RootId = parent.RootId;
        }
        else if (provider.ParentId is not null)
        {
            if (!command.AllowReparenting)
                return Refused(command, "update", "un-parenting a provider is not currently allowed.");
            var subtree = await Subtree(provider, ct);
            provider.ParentId = null;
            foreach (var member in subtree)
                member.RootId = provider.Id;
        }
        return null;
    }

    /// <summary>The provider and all its descendants, read as one tree.</summary>
    async Task<List<ResourceProviderRecord>> Subtree(ResourceProviderRecord top, CancellationToken ct)
    {
        var tree = await db.ResourceProviders.Where(x => x.RootId == top.RootId).ToListAsync(ct);
        var children = tree.Where(x => x.ParentId is not null).ToLookup(x => x.ParentId!.Value);
        var subtree = new List<ResourceProviderRecord> { top };
        for (var i = 0; i < subtree.Count; i++)
            subtree.AddRange(children[subtree[i].Id]);
        return subtree;
    }

    static PlacementProblem Refused(UpdateResourceProvider command, string action, string reason) => new(400,
        PlacementProblem.UndefinedCode,
        $"Unable to save resource provider {command.Uuid}: Object action {action} failed because: {reason}");
}
