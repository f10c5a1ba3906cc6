using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;

namespace LoadGen;

/// <summary>The Placement workloads, each against one base URL.</summary>
public sealed class Workloads(Options o)
{
    // Every consumer of a run belongs to one project and one user.
    readonly string project = Guid.NewGuid().ToString();
    readonly string user = Guid.NewGuid().ToString();

    static string Inv(double v) => v.ToString(CultureInfo.InvariantCulture);

    WorkloadResult NewResult(string workload, string op, int clients) => new()
    {
        Workload = workload, Target = o.Target, BaseUrl = o.BaseUrl, Op = op, Clients = clients,
    };

    object AllocationBody(IReadOnlyDictionary<string, object> resourcesByProvider, object? consumerGeneration) =>
        new Dictionary<string, object?>
        {
            ["allocations"] = resourcesByProvider.ToDictionary(kv => kv.Key, kv => (object)new { resources = kv.Value }),
            ["project_id"] = project,
            ["user_id"] = user,
            ["consumer_generation"] = consumerGeneration,
            ["consumer_type"] = "INSTANCE",
        };

    /// <summary>Creates a provider (POST, 1.20+ answers its body) and returns its uuid and generation, or null.</summary>
    static async Task<(string Uuid, long Generation)?> CreateProvider(PlacementClient c, string name, string? parent,
        List<Sample> samples, double clock0)
    {
        var uuid = Guid.NewGuid().ToString();
        var body = new Dictionary<string, string> { ["name"] = name, ["uuid"] = uuid };
        if (parent is not null) body["parent_provider_uuid"] = parent;
        var a = await c.Post("/resource_providers", body, clock0);
        samples.Add(a.Sample);
        if (!a.Ok) return null;
        return (uuid, Generation(a.Json()));
    }

    static long Generation(JsonNode? node)
    {
        try { return node?["resource_provider_generation"]?.GetValue<long>() ?? node?["generation"]?.GetValue<long>() ?? 0; }
        catch (Exception e) when (e is InvalidOperationException or FormatException) { return 0; }
    }

    static Dictionary<string, object?> ComputeInventory() => new()
    {
        ["VCPU"] = new { total = 64, allocation_ratio = 16.0 },
        ["MEMORY_MB"] = new { total = 262144 },
        ["DISK_GB"] = new { total = 10000 },
    };

    // ---------------------------------------------------------------- setup

    /// <summary>N providers, each with VCPU 64 (ratio 16), MEMORY_MB 262144, DISK_GB 10000, created by C
    /// parallel clients (POST the provider, then PUT its inventories with its generation). Writes the uuids of
    /// the providers whose inventories were set to the providers file.</summary>
    public async Task<WorkloadResult> Setup()
    {
        using var c = new PlacementClient(o.BaseUrl, o.Clients);
        var created = new ConcurrentBag<string>();
        var perClient = Enumerable.Range(0, o.Clients).Select(_ => new List<Sample>()).ToArray();
        var next = -1;
        var clock0 = PlacementClient.Now;
        await Task.WhenAll(perClient.Select(async samples =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < o.Providers)
            {
                var rp = await CreateProvider(c, $"bench-{o.RunId}-{i:D6}", null, samples, clock0);
                if (rp is not { } p) continue;
                var a = await c.Put($"/resource_providers/{p.Uuid}/inventories",
                    new { resource_provider_generation = p.Generation, inventories = ComputeInventory() }, clock0);
                samples.Add(a.Sample);
                if (a.Ok) created.Add(p.Uuid);
            }
        }));
        var window = PlacementClient.Now - clock0;
        var r = NewResult("setup", "POST /resource_providers or PUT .../inventories (2 per provider)", o.Clients)
            .Measure(perClient.SelectMany(s => s).ToList(), window);
        r.Facts["providers_ready"] = $"{created.Count}/{o.Providers}";
        if (o.ProvidersFile is not null) await File.WriteAllLinesAsync(o.ProvidersFile, created.Order());
        return r;
    }

    async Task<List<string>> Providers(PlacementClient c)
    {
        if (o.ProvidersFile is not null && File.Exists(o.ProvidersFile))
            return (await File.ReadAllLinesAsync(o.ProvidersFile)).Where(l => l.Length > 0).ToList();
        var a = await c.Get("/resource_providers", PlacementClient.Now);
        return a.Json()?["resource_providers"]?.AsArray()
            .Select(p => p?["uuid"]?.GetValue<string>()).OfType<string>().ToList() ?? [];
    }

    // ---------------------------------------------------------------- alloc-writes

    /// <summary>C clients for warm-up + D seconds, each PUT /allocations/{new consumer} of VCPU 1, MEMORY_MB 512,
    /// DISK_GB 5 on a provider drawn uniformly; counted: the answers that arrive inside the D seconds after the
    /// warm-up.</summary>
    public async Task<WorkloadResult> AllocWrites()
    {
        using var c = new PlacementClient(o.BaseUrl, o.Clients);
        var providers = await Providers(c);
        var r = NewResult("alloc-writes", "PUT /allocations/{new consumer}, 1 provider of N, VCPU+MEMORY_MB+DISK_GB",
            o.Clients);
        r.Facts["providers"] = providers.Count.ToString(CultureInfo.InvariantCulture);
        if (providers.Count == 0)
        {
            r.Facts["error"] = "no providers (setup failed)";
            return r.Measure([], o.Duration);
        }
        var perClient = Enumerable.Range(0, o.Clients).Select(_ => new List<Sample>()).ToArray();
        var resources = new { VCPU = 1, MEMORY_MB = 512, DISK_GB = 5 };
        var clock0 = PlacementClient.Now;
        var end = o.Warmup + o.Duration;
        await Task.WhenAll(perClient.Select(async samples =>
        {
            while (PlacementClient.Now - clock0 < end)
            {
                var rp = providers[Random.Shared.Next(providers.Count)];
                var a = await c.Put($"/allocations/{Guid.NewGuid()}",
                    AllocationBody(new Dictionary<string, object> { [rp] = resources }, null), clock0);
                samples.Add(a.Sample);
            }
        }));
        var counted = perClient.SelectMany(s => s).Where(s => s.EndS >= o.Warmup && s.EndS <= end).ToList();
        r.Facts["warmup_requests"] = perClient.Sum(s => s.Count(x => x.EndS < o.Warmup)).ToString(CultureInfo.InvariantCulture);
        return r.Measure(counted, o.Duration);
    }

    // ---------------------------------------------------------------- contended-claims

    /// <summary>One provider with VCPU 200 (ratio 1.0); C clients each claim VCPU 1 for new consumers, again
    /// after a placement.concurrent_update 409, and stop at any other non-2xx answer (the capacity 409). ops/s:
    /// the successful claims from the first request to the last success.</summary>
    public async Task<WorkloadResult> ContendedClaims()
    {
        const int capacity = 200;
        var clients = o.ClaimClients;
        using var c = new PlacementClient(o.BaseUrl, clients);
        var r = NewResult("contended-claims", $"PUT /allocations/{{new consumer}}, VCPU 1, one provider of VCPU {capacity}",
            clients);
        var prep = new List<Sample>();
        var prepClock = PlacementClient.Now;
        var rp = await CreateProvider(c, $"bench-contended-{o.RunId}", null, prep, prepClock);
        if (rp is { } p)
        {
            var inv = await c.Put($"/resource_providers/{p.Uuid}/inventories", new
            {
                resource_provider_generation = p.Generation,
                inventories = new { VCPU = new { total = capacity, allocation_ratio = 1.0 } },
            }, prepClock);
            prep.Add(inv.Sample);
        }
        if (rp is null || !prep.All(s => s.Ok))
        {
            r.Facts["error"] = "provider or inventory not created: " + string.Join(" ", prep.Select(s => s.Status));
            return r.Measure([], 0);
        }
        var uuid = rp.Value.Uuid;
        var perClient = Enumerable.Range(0, clients).Select(_ => new List<Sample>()).ToArray();
        var clock0 = PlacementClient.Now;
        var deadline = o.ClaimTimeout;
        await Task.WhenAll(perClient.Select(async samples =>
        {
            while (PlacementClient.Now - clock0 < deadline)
            {
                var a = await c.Put($"/allocations/{Guid.NewGuid()}",
                    AllocationBody(new Dictionary<string, object> { [uuid] = new { VCPU = 1 } }, null), clock0);
                samples.Add(a.Sample);
                if (!a.Ok && !a.Sample.ConcurrentUpdate) break;
            }
        }));
        var all = perClient.SelectMany(s => s).ToList();
        var successes = all.Where(s => s.Ok).ToList();
        var window = successes.Count > 0 ? successes.Max(s => s.EndS) : 0;
        r.Measure(all, window);
        // ops/s counts the successes only, over first request .. last success.
        r.Facts["successes"] = $"{successes.Count}/{capacity}";
        r.Facts["saw_concurrent_update"] = (r.ConcurrentUpdate409 > 0).ToString().ToLowerInvariant();
        var usage = await c.Get($"/resource_providers/{uuid}/usages", PlacementClient.Now);
        var used = usage.Ok ? usage.Json()?["usages"]?["VCPU"]?.ToJsonString() : $"HTTP {usage.Status}";
        r.Facts["vcpu_used_after"] = used ?? "?";
        r.Facts["check"] = successes.Count == capacity && used == Inv(capacity) ? "ok" : "FAILED";
        return r;
    }

    // ---------------------------------------------------------------- reshaper

    /// <summary>A root provider with inventory of a custom class and 10 consumers holding 1 each; every
    /// iteration reads the generations (both providers' inventories, each consumer's allocations) and then moves
    /// the inventory and the 10 allocations to the other provider (root to child, child to root) with one POST
    /// /reshaper. Timed: the POST. ops/s: successful reshapes per second of POST time.</summary>
    public async Task<WorkloadResult> Reshaper()
    {
        const int consumers = 10, total = 100;
        var cls = "CUSTOM_BENCH_RESHAPE";
        using var c = new PlacementClient(o.BaseUrl, 2);
        var r = NewResult("reshaper", "POST /reshaper moving inventory + 10 allocations root <-> child", 1);
        var prep = new List<Sample>();
        var clock = PlacementClient.Now;
        var root = await CreateProvider(c, $"bench-reshape-root-{o.RunId}", null, prep, clock);
        var child = root is { } rt ? await CreateProvider(c, $"bench-reshape-child-{o.RunId}", rt.Uuid, prep, clock) : null;
        var rc = await c.Send(HttpMethod.Put, $"/resource_classes/{cls}", null, clock);
        prep.Add(rc.Sample);
        if (root is null || child is null)
        {
            r.Facts["error"] = "providers not created: " + string.Join(" ", prep.Select(s => s.Status));
            return r.Measure([], 0);
        }
        var (rootUuid, childUuid) = (root.Value.Uuid, child.Value.Uuid);
        var inv = await c.Put($"/resource_providers/{rootUuid}/inventories", new
        {
            resource_provider_generation = root.Value.Generation,
            inventories = new Dictionary<string, object> { [cls] = new { total } },
        }, clock);
        prep.Add(inv.Sample);
        var consumerIds = Enumerable.Range(0, consumers).Select(_ => Guid.NewGuid().ToString()).ToList();
        foreach (var id in consumerIds)
        {
            var a = await c.Put($"/allocations/{id}",
                AllocationBody(new Dictionary<string, object> { [rootUuid] = new Dictionary<string, int> { [cls] = 1 } }, null),
                clock);
            prep.Add(a.Sample);
        }
        var prepFailed = prep.Where(s => !s.Ok).Select(s => s.Status).ToList();
        if (prepFailed.Count > 0)
            r.Facts["preparation_errors"] = string.Join(" ", prepFailed.GroupBy(s => s).Select(g => $"{g.Key}:{g.Count()}"));

        var posts = new List<Sample>();
        var reads = 0;
        var loop0 = PlacementClient.Now;
        for (var i = 0; i < o.Iterations; i++)
        {
            var rootInv = await c.Get($"/resource_providers/{rootUuid}/inventories", loop0);
            var childInv = await c.Get($"/resource_providers/{childUuid}/inventories", loop0);
            reads += 2;
            var onChild = childInv.Json()?["inventories"]?[cls] is not null;
            var (from, to) = onChild ? (childUuid, rootUuid) : (rootUuid, childUuid);
            var (fromInv, toInv) = onChild ? (childInv, rootInv) : (rootInv, childInv);
            var allocations = new Dictionary<string, object?>();
            foreach (var id in consumerIds)
            {
                var a = await c.Get($"/allocations/{id}", loop0);
                reads++;
                object? generation = null;
                try { generation = a.Json()?["consumer_generation"]?.GetValue<long>(); }
                catch (Exception e) when (e is InvalidOperationException or FormatException) { }
                allocations[id] = AllocationBody(
                    new Dictionary<string, object> { [to] = new Dictionary<string, int> { [cls] = 1 } }, generation);
            }
            var body = new Dictionary<string, object>
            {
                ["inventories"] = new Dictionary<string, object>
                {
                    [from] = new { resource_provider_generation = Generation(fromInv.Json()), inventories = new { } },
                    [to] = new
                    {
                        resource_provider_generation = Generation(toInv.Json()),
                        inventories = new Dictionary<string, object> { [cls] = new { total } },
                    },
                },
                ["allocations"] = allocations,
            };
            var post = await c.Post("/reshaper", body, loop0);
            posts.Add(post.Sample);
            if (i == 0 && !post.Ok)
                Console.Error.WriteLine($"loadgen: reshaper: first POST answered {post.Status}: {Trim(post.Body)}");
        }
        var loopSeconds = PlacementClient.Now - loop0;
        var postSeconds = posts.Sum(s => s.Ms) / 1000;
        r.Measure(posts, postSeconds);
        r.Facts["loop_seconds_with_reads"] = Math.Round(loopSeconds, 2).ToString(CultureInfo.InvariantCulture);
        r.Facts["reads"] = reads.ToString(CultureInfo.InvariantCulture);
        // Where must the allocations be now? They started on the root; every success moved them once.
        var expected = r.Succeeded % 2 == 1 ? childUuid : rootUuid;
        var usage = await c.Get($"/resource_providers/{expected}/usages", PlacementClient.Now);
        var used = usage.Ok ? usage.Json()?["usages"]?[cls]?.ToJsonString() : $"HTTP {usage.Status}";
        r.Facts["check"] = r.Succeeded == o.Iterations && used == Inv(consumers) ? "ok" : $"FAILED (usage {used ?? "none"})";
        return r;
    }

    static string Trim(string s) => s.Length > 300 ? s[..300] + "..." : s;
}
