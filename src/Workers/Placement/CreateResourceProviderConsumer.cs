using Contracts.Placement;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

public sealed class CreateResourceProviderConsumer(ServiceDb db, Inbox.Inbox inbox, TimeProvider clock)
    : IConsumer<CreateResourceProvider>
{
    public async Task Consume(ConsumeContext<CreateResourceProvider> context) =>
        await context.RespondAsync(await inbox.Apply(context, ct => Create(context.Message, ct), r => r.Problem is not null));

    async Task<ResourceProviderResult> Create(CreateResourceProvider command, CancellationToken ct)
    {
        ResourceProviderRecord? parent = null;
        if (command.ParentUuid is { } parentUuid)
        {
            if (parentUuid == command.Uuid.ToString())
                return Refused(command, "parent provider UUID cannot be same as UUID. Please set parent provider UUID to None if there is no parent.");
            parent = await ProviderViews.FindByStoredUuid(db, parentUuid, ct);
            if (parent is null)
                return Refused(command, "parent provider UUID does not exist.");
        }

        // Placement reports the uuid before the name when both are taken.
        if (await db.ResourceProviders.AnyAsync(x => x.Uuid == command.Uuid, ct))
            return Conflict($"uuid: {command.Uuid}");
        if (await db.ResourceProviders.AnyAsync(x => x.Name == command.Name, ct))
            return Conflict($"name: {command.Name}");

        var provider = new ResourceProviderRecord
        {
            Uuid = command.Uuid,
            Name = command.Name,
            ParentId = parent?.Id,
            RootId = parent?.RootId,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.ResourceProviders.Add(provider);
        await db.SaveChangesAsync(ct);
        if (parent is null)
        {
            provider.RootId = provider.Id; // a root is its own tree; its id exists only after the insert
            await db.SaveChangesAsync(ct);
        }

        var view = await ProviderViews.Of(db.ResourceProviders.Where(x => x.Id == provider.Id), db).SingleAsync(ct);
        return new ResourceProviderResult(view, null);
    }

    static ResourceProviderResult Refused(CreateResourceProvider command, string reason) => new(null, new PlacementProblem(400,
        PlacementProblem.UndefinedCode,
        $"Unable to create resource provider \"{command.Name}\", {command.Uuid}: Object action create failed because: {reason}"));

    static ResourceProviderResult Conflict(string duplicate) => new(null, new PlacementProblem(409,
        "placement.duplicate_name", $"Conflicting resource provider {duplicate} already exists."));
}
