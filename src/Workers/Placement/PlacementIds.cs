using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Workers.Data;

namespace Workers.Placement;

/// <summary>
/// Ids of rows that never change once they exist: projects and users by external id, consumer types by name, and the
/// standard resource classes (custom ones can be renamed or deleted, so they are always read). An id is cached only
/// once it was read from the database, never when this process inserted it: that insert may yet be rolled back.
/// Allocation writes look these up on every request; the cache saves those round trips.
/// </summary>
public sealed class PlacementIds
{
    readonly ConcurrentDictionary<string, int> projects = new(), users = new(), consumerTypes = new(), standardClasses = new();

    public Task<int> Project(ServiceDb db, string externalId, CancellationToken ct) => GetOrAdd(projects, externalId,
        () => db.Projects.Where(p => p.ExternalId == externalId).Select(p => (int?)p.Id).SingleOrDefaultAsync(ct),
        async () => { var row = new ProjectRecord { ExternalId = externalId }; db.Projects.Add(row); await db.SaveChangesAsync(ct); return row.Id; });

    public Task<int> User(ServiceDb db, string externalId, CancellationToken ct) => GetOrAdd(users, externalId,
        () => db.Users.Where(u => u.ExternalId == externalId).Select(u => (int?)u.Id).SingleOrDefaultAsync(ct),
        async () => { var row = new UserRecord { ExternalId = externalId }; db.Users.Add(row); await db.SaveChangesAsync(ct); return row.Id; });

    public Task<int> ConsumerType(ServiceDb db, string name, CancellationToken ct) => GetOrAdd(consumerTypes, name,
        () => db.ConsumerTypes.Where(t => t.Name == name).Select(t => (int?)t.Id).SingleOrDefaultAsync(ct),
        async () => { var row = new ConsumerTypeRecord { Name = name }; db.ConsumerTypes.Add(row); await db.SaveChangesAsync(ct); return row.Id; });

    /// <summary>Resource class ids by name, for the names that exist.</summary>
    public async Task<Dictionary<string, int>> ResourceClasses(ServiceDb db, IEnumerable<string> names, CancellationToken ct)
    {
        var (found, unknown) = KnownClasses(names);
        if (unknown.Count == 0)
            return found;
        var read = (await db.ResourceClasses.Where(c => unknown.Contains(c.Name)).Select(c => new { c.Name, c.Id }).ToListAsync(ct))
            .Select(c => (c.Name, c.Id)).ToList();
        ClassesRead(read);
        foreach (var (name, id) in read)
            found[name] = id;
        return found;
    }

    /// <summary>Of <paramref name="names"/>, the ids known for good (standard classes read before), and the names left to
    /// read in the caller's transaction.</summary>
    public (Dictionary<string, int> Known, List<string> Unknown) KnownClasses(IEnumerable<string> names)
    {
        var known = new Dictionary<string, int>();
        var unknown = new List<string>();
        foreach (var name in names.Distinct())
        {
            if (standardClasses.TryGetValue(name, out var id)) known[name] = id;
            else unknown.Add(name);
        }
        return (known, unknown);
    }

    /// <summary>Remembers the standard classes among resource classes read from the database.</summary>
    public void ClassesRead(IEnumerable<(string Name, int Id)> classes)
    {
        foreach (var (name, id) in classes)
            if (id < StandardNames.FirstCustomResourceClassId)
                standardClasses[name] = id;
    }

    static async Task<int> GetOrAdd(ConcurrentDictionary<string, int> cache, string key, Func<Task<int?>> read, Func<Task<int>> insert)
    {
        if (cache.TryGetValue(key, out var id))
            return id;
        if (await read() is { } existing)
            return cache[key] = existing;
        // A concurrent insert of the same key meets the unique index; the inbox then runs the command again.
        return await insert();
    }
}
