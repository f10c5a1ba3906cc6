using System.Globalization;
using System.Text;
using AdmissionBench;

// Times AdmissionPlanner.Plan: one pass over a queue of jobs against a cloud of hosts, as the Workers service runs it
// on every admission tick. Two clouds: mostly free (most jobs are admitted, so claims move the working usage) and
// almost full (most jobs wait, so reasons are worked out).
//
//   dotnet run -c Release --project bench/AdmissionBench [-- options]
//
// Options: --hosts N (1000), --jobs N (10000), --warmup N (5), --runs N (100), --seed N (1), --clouds free,full,
// --out-dir DIR (bench/results under the repository; the file is admission-<UTC yyyyMMddTHHmmssZ>.md), --no-write,
// --plans-out FILE (the last plan of each cloud, one line per job: to check that an engine change plans the same).

var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--no-write")
        options["no-write"] = "";
    else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
        options[args[i][2..]] = args[++i];
    else
    {
        Console.Error.WriteLine($"admission-bench: unexpected argument {args[i]}");
        return 2;
    }
}
int Option(string name, int fallback) => options.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

var hosts = Option("hosts", 1000);
var jobCount = Option("jobs", 10000);
var warmups = Option("warmup", 5);
var runs = Option("runs", 100);
var seed = Option("seed", 1);

var loadAverage = Machine.LoadAverage;
var jobs = Workload.Queue(jobCount, seed);
var policies = Workload.Policies();
var clouds = (options.GetValueOrDefault("clouds") ?? "free,full").Split(',');
var results = new List<Measurement>();
if (clouds.Contains("free"))
    results.Add(Measurement.Run("mostly free", "used 0-40%", Workload.Cloud(hosts, 0.0, 0.4, seed), jobs, policies, warmups, runs));
if (clouds.Contains("full"))
    results.Add(Measurement.Run("almost full", "used 97-100%", Workload.Cloud(hosts, 0.97, 1.0, seed), jobs, policies, warmups, runs));

if (options.GetValueOrDefault("plans-out") is { } plansOut)
    File.WriteAllLines(plansOut, results.SelectMany(r => Report.PlanLines(r)));

var table = Report.Table(results);
Console.WriteLine($"{hosts} hosts, {jobCount} jobs, {warmups} warm-up and {runs} timed passes per cloud; load average at start {loadAverage}");
Console.WriteLine(table);

if (!options.ContainsKey("no-write"))
{
    var stamp = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
    var dir = options.GetValueOrDefault("out-dir") ?? Path.Combine(Report.RepositoryRoot() ?? ".", "bench", "results");
    Directory.CreateDirectory(dir);
    var path = Path.Combine(dir, $"admission-{stamp}.md");
    var command = new StringBuilder("dotnet run -c Release --project bench/AdmissionBench");
    if (args.Length > 0)
        command.Append(" -- ").AppendJoin(' ', args);
    File.WriteAllText(path, Report.Markdown(stamp, command.ToString(), hosts, jobCount, warmups, runs, seed, results, table));
    Console.WriteLine($"wrote {path}");
}
return 0;
