using System.Globalization;
using System.Text.Json;
using QueueBench;

// The queue benchmark's driver (bench/queue.sh runs it against the service):
//
//   QueueBench --base URL [--hosts 1000] [--jobs 10000] [--clients 16] [--warmup 250] [--paced 450] [--rate 250]
//              [--receiver-port P] [--out FILE.json]
//
// 1. setup: H hosts (VCPU 16, MEMORY_MB 65536, DISK_GB 1000) through Placement.
// 2. fill: H jobs of type "fill", one whole host each; waits until every one is called back.
// 3. queue: J jobs of type "vm" (VCPU 4, Memory 16384, Disk 250): nothing fits, all wait.
// 4. warm-up: the first W fill jobs finish at R per second, so that finishing and admitting have run before anything
//    is measured (as a service that has been up a while has); their admissions are not counted.
// 5. paced: the next P fill jobs finish at R per second (status done), one request at a time on schedule.
// 6. burst: the other fill jobs finish as fast as C clients can send.
// Every finished fill job frees one host, where four "vm" jobs fit. For each "vm" callback: latency = its arrival at
// the receiver - the start of the request that freed its host. Admissions per second (burst) = "vm" callbacks
// arrived / (last arrival - start of the burst's first request).
var o = new Dictionary<string, string>
{
    ["--base"] = "", ["--hosts"] = "1000", ["--jobs"] = "10000", ["--clients"] = "16", ["--warmup"] = "250", ["--paced"] = "450", ["--rate"] = "250",
    ["--receiver-port"] = "0", ["--out"] = "",
};
for (var i = 0; i + 1 < args.Length; i += 2)
{
    if (!o.ContainsKey(args[i]))
    {
        Console.Error.WriteLine($"queuebench: unknown option {args[i]}");
        return 2;
    }
    o[args[i]] = args[i + 1];
}
if (o["--base"].Length == 0)
{
    Console.Error.WriteLine("queuebench: --base URL is required");
    return 2;
}
int Int(string name) => int.Parse(o[name], CultureInfo.InvariantCulture);
var (hosts, jobs, clients, warmup, paced, rate) = (Int("--hosts"), Int("--jobs"), Int("--clients"), Int("--warmup"), Int("--paced"), Int("--rate"));
const int JobsPerHost = 4;
ThreadPool.SetMinThreads(Math.Max(64, clients * 4), 64);

var port = Int("--receiver-port") is > 0 and var p ? p : FreePort();
await using var receiver = await Receiver.Start(port);
using var service = new Service(o["--base"], clients);
var run = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);
string Callback(string type, string id) => $"http://127.0.0.1:{port}/cb/{type}/{id}";

async Task Parallel(int count, Func<int, Task> action)
{
    var next = -1;
    await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
    {
        int i;
        while ((i = Interlocked.Increment(ref next)) < count)
            await action(i);
    }));
}

var facts = new SortedDictionary<string, object>();
void Phase(string name, double started) => Console.Error.WriteLine($"queuebench: {name} took {Clock.Now - started:0.0} s");

var t = Clock.Now;
await Parallel(hosts, i => service.CreateHost($"qb-{run}-{i:D5}", 16, 65536, 1000));
Phase($"setup of {hosts} hosts", t);

t = Clock.Now;
await Parallel(hosts, i => service.Submit("fill", $"fill-{i}", new { VCPU = 16, Memory = 65536, Disk = 1000 }, Callback("fill", $"fill-{i}")));
if (!await receiver.WaitFor("fill", hosts, TimeSpan.FromMinutes(5)))
    throw new InvalidOperationException($"only {receiver.Count("fill")} of {hosts} fill jobs were called back");
Phase($"fill ({hosts} jobs admitted and called back)", t);
facts["fill_admissions_per_s"] = Math.Round(hosts / (Clock.Now - t), 1);
var hostOf = receiver.Arrivals.Where(a => a.Type == "fill").GroupBy(a => a.RequestId).ToDictionary(g => g.Key, g => g.First().Host!);

t = Clock.Now;
await Parallel(jobs, i => service.Submit("vm", $"vm-{i}", new { VCPU = 4, Memory = 16384, Disk = 250 }, Callback("vm", $"vm-{i}")));
facts["submit_per_s"] = Math.Round(jobs / (Clock.Now - t), 1);
Phase($"queue ({jobs} jobs submitted)", t);
await Task.Delay(TimeSpan.FromSeconds(3));
var early = receiver.Count("vm");
if (early > 0)
    throw new InvalidOperationException($"{early} vm jobs were admitted before any capacity was freed");
var head = await service.Get("v1/vm/vm-0");
facts["queued_head_reason"] = head?["data"]?["Reason"]?.ToString() ?? "";

var freedAt = new Dictionary<string, double>(); // host -> start of the request that freed it
var requestMs = new List<double>();
var finishMs = new Dictionary<string, double>(); // host -> how long the request that freed it took
var gate = new object();
async Task Free(int i)
{
    var id = $"fill-{i}";
    var started = Clock.Now;
    lock (gate)
        freedAt[hostOf[id]] = started;
    await service.Finish("fill", id);
    lock (gate)
    {
        requestMs.Add((Clock.Now - started) * 1000);
        finishMs[hostOf[id]] = requestMs[^1];
    }
}
// Frees hosts [from, to) at the paced rate, each request on its own schedule (they do not wait for each other).
async Task FreeAtRate(int from, int to)
{
    var start = Clock.Now;
    var tasks = new List<Task>();
    for (var i = from; i < to; i++)
    {
        var due = start + (double)(i - from) / rate;
        if (due > Clock.Now)
            await Task.Delay(TimeSpan.FromSeconds(due - Clock.Now));
        tasks.Add(Free(i));
    }
    await Task.WhenAll(tasks);
    await receiver.WaitFor("vm", to * JobsPerHost, TimeSpan.FromSeconds(30));
}
warmup = Math.Min(warmup, hosts);
paced = Math.Min(paced, hosts - warmup);
t = Clock.Now;
await FreeAtRate(0, warmup);
Phase($"warm-up ({warmup} hosts freed at {rate}/s, not counted)", t);
requestMs.Clear();
t = Clock.Now;
var pacedStart = t;
await FreeAtRate(warmup, warmup + paced);
Phase($"paced ({paced} hosts freed at {rate}/s)", t);
var pacedEnd = Clock.Now;

t = Clock.Now;
var burstStart = t;
var burstIds = Enumerable.Range(warmup + paced, hosts - warmup - paced).ToList();
await Parallel(burstIds.Count, k => Free(burstIds[k]));
var burstSent = Clock.Now; // the last freeing request answered: how fast the clients asked
var expected = Math.Min(jobs, hosts * JobsPerHost);
var all = await receiver.WaitFor("vm", expected, TimeSpan.FromMinutes(5));
Phase($"burst ({burstIds.Count} hosts freed by {clients} clients)", t);

// ---------------------------------------------------------------- figures
var arrivals = receiver.Arrivals.Where(a => a.Type == "vm").ToList();
var firstAll = arrivals.GroupBy(a => a.RequestId).Select(g => g.MinBy(a => a.At)!).ToList();
var first = firstAll.Where(a => freedAt[a.Host!] >= pacedStart).ToList(); // the warm-up's are not counted
var duplicates = arrivals.Count - firstAll.Count;
var unstable = arrivals.GroupBy(a => a.RequestId).Count(g => g.Select(a => a.Delivery).Distinct().Count() > 1);
double Latency(Receiver.Arrival a) => (a.At - freedAt[a.Host!]) * 1000;
var pacedLatencies = first.Where(a => freedAt[a.Host!] < burstStart).Select(Latency).Order().ToList();
var burstArrivals = first.Where(a => freedAt[a.Host!] >= burstStart).ToList();
var burstLatencies = burstArrivals.Select(Latency).Order().ToList();
var burstSeconds = burstArrivals.Count > 0 ? burstArrivals.Max(a => a.At) - burstStart : double.NaN;

static double Pct(List<double> sorted, double q) =>
    sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];

var result = new SortedDictionary<string, object>
{
    ["hosts"] = hosts, ["jobs"] = jobs, ["clients"] = clients, ["warmup_hosts"] = warmup, ["paced_hosts"] = paced, ["paced_rate_per_s"] = rate,
    ["admitted_expected"] = expected, ["admitted_called_back"] = firstAll.Count, ["all_called_back"] = all,
    ["duplicate_callbacks"] = duplicates, ["jobs_with_two_delivery_ids"] = unstable,
    ["paced_admissions"] = pacedLatencies.Count, ["paced_p50_ms"] = Math.Round(Pct(pacedLatencies, 0.5), 1),
    ["paced_p99_ms"] = Math.Round(Pct(pacedLatencies, 0.99), 1), ["paced_max_ms"] = Math.Round(pacedLatencies.LastOrDefault(), 1),
    ["paced_seconds"] = Math.Round(pacedEnd - pacedStart, 2),
    ["burst_admissions"] = burstArrivals.Count, ["burst_seconds"] = Math.Round(burstSeconds, 2),
    ["burst_admissions_per_s"] = Math.Round(burstArrivals.Count / burstSeconds, 1),
    ["burst_freed_jobs_per_s"] = Math.Round(burstIds.Count * JobsPerHost / (burstSent - burstStart), 1),
    ["burst_p50_ms"] = Math.Round(Pct(burstLatencies, 0.5), 1), ["burst_p99_ms"] = Math.Round(Pct(burstLatencies, 0.99), 1),
    ["finish_request_p50_ms"] = Math.Round(Pct(requestMs.Order().ToList(), 0.5), 1),
    ["finish_request_p99_ms"] = Math.Round(Pct(requestMs.Order().ToList(), 0.99), 1),
};
foreach (var (k, v) in facts)
    result[k] = v;
// A phase with nothing in it (a burst of no hosts, say) has no rate or percentile: null, not a failed run.
foreach (var (k, v) in result.ToList())
    if (v is double d && !double.IsFinite(d))
        result[k] = null!;
var json = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true });
Console.WriteLine(json);
if (o["--out"].Length > 0)
{
    await File.WriteAllTextAsync(o["--out"], json);
    // Every admission's figures beside the summary (seconds from the paced start), to see where a tail comes from.
    await File.WriteAllLinesAsync(Path.ChangeExtension(o["--out"], ".admissions.csv"), first.OrderBy(a => freedAt[a.Host!])
        .Select(a => FormattableString.Invariant($"{freedAt[a.Host!] - pacedStart:0.000},{a.At - pacedStart:0.000},{Latency(a):0.0},{finishMs[a.Host!]:0.0},{a.Host},{a.RequestId}"))
        .Prepend("freed_s,arrived_s,latency_ms,finish_request_ms,host,request_id"));
}
return all && duplicates >= 0 && unstable == 0 ? 0 : 1;

static int FreePort()
{
    using var socket = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
    socket.Start();
    return ((System.Net.IPEndPoint)socket.LocalEndpoint).Port;
}
