using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

/// <summary>
/// The standard resource classes and traits Placement 8.0 knows (os-resource-classes 1.1.0, os-traits 2.9.0).
/// They live in the database beside the custom ones, inserted at start-up when missing, as Placement syncs them.
/// A standard class's id is its index in the standard list; custom classes are numbered from 10000.
/// </summary>
public static class StandardNames
{
    public const int FirstCustomResourceClassId = 10000;
    public const string CustomPrefix = "CUSTOM_";

    public static readonly IReadOnlyList<string> ResourceClasses = Read("Standard.resource_classes.txt");
    public static readonly IReadOnlySet<string> Traits = Read("Standard.traits.txt").ToHashSet();

    static List<string> Read(string resource)
    {
        using var stream = typeof(StandardNames).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Embedded resource {resource} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
    }

    /// <summary>Inserts the standard names the database lacks. Several workers may race here: the loser's insert
    /// meets the unique index, and it reads again.</summary>
    public static async Task Sync(ServiceDb db, DateTime now, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            db.ChangeTracker.Clear();
            var classes = await db.ResourceClasses.Select(x => x.Name).ToListAsync(ct);
            var traits = await db.Traits.Select(x => x.Name).ToListAsync(ct);
            db.ResourceClasses.AddRange(ResourceClasses.Select((name, id) => (name, id)).Where(c => !classes.Contains(c.name))
                .Select(c => new ResourceClassRecord { Id = c.id, Name = c.name, CreatedAt = now }));
            db.Traits.AddRange(Traits.Except(traits).Order(StringComparer.Ordinal).Select(name => new TraitRecord { Name = name, CreatedAt = now }));
            try
            {
                await db.SaveChangesAsync(ct);
                return;
            }
            catch (DbUpdateException e) when (attempt < 3 && DbErrors.IsConstraintViolation(e))
            {
            }
        }
    }
}
