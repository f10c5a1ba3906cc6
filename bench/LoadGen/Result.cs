using System.Globalization;
using System.Text.Json;

namespace LoadGen;

/// <summary>What one workload measured against one target; written as JSON for the report.</summary>
public sealed class WorkloadResult
{
    public string Workload { get; set; } = "";
    public string Target { get; set; } = "";
    public string BaseUrl { get; set; } = "";
    /// <summary>What one op is, in words (e.g. "PUT /allocations/{new consumer}").</summary>
    public string Op { get; set; } = "";
    public int Clients { get; set; }
    /// <summary>The seconds ops/s is counted over.</summary>
    public double WindowSeconds { get; set; }
    /// <summary>Requests answered in the window, whatever their status.</summary>
    public int Requests { get; set; }
    /// <summary>Requests answered 2xx in the window.</summary>
    public int Succeeded { get; set; }
    /// <summary>2xx answers per second of the window.</summary>
    public double OpsPerSec { get; set; }
    /// <summary>All answers (any status) per second of the window.</summary>
    public double RequestsPerSec { get; set; }
    /// <summary>Latency percentiles (ms) of the 2xx answers; null when there was none.</summary>
    public double? P50 { get; set; }
    public double? P95 { get; set; }
    public double? P99 { get; set; }
    public double? Max { get; set; }
    /// <summary>Answers per HTTP status ("0": no answer).</summary>
    public SortedDictionary<string, int> Statuses { get; set; } = new();
    /// <summary>409s whose error code is placement.concurrent_update.</summary>
    public int ConcurrentUpdate409 { get; set; }
    /// <summary>Workload-specific facts (successes, checks, preparation errors).</summary>
    public SortedDictionary<string, string> Facts { get; set; } = new();

    /// <summary>Fills the counters from the samples counted, over a window of the given seconds.</summary>
    public WorkloadResult Measure(IReadOnlyCollection<Sample> samples, double windowSeconds)
    {
        WindowSeconds = Math.Round(windowSeconds, 3);
        Requests = samples.Count;
        var ok = samples.Where(s => s.Ok).Select(s => s.Ms).Order().ToArray();
        Succeeded = ok.Length;
        OpsPerSec = windowSeconds > 0 ? Math.Round(ok.Length / windowSeconds, 2) : 0;
        RequestsPerSec = windowSeconds > 0 ? Math.Round(samples.Count / windowSeconds, 2) : 0;
        if (ok.Length > 0)
        {
            P50 = Percentile(ok, 50);
            P95 = Percentile(ok, 95);
            P99 = Percentile(ok, 99);
            Max = Math.Round(ok[^1], 2);
        }
        Statuses = new SortedDictionary<string, int>(samples
            .GroupBy(s => s.Status.ToString(CultureInfo.InvariantCulture))
            .ToDictionary(g => g.Key, g => g.Count()));
        ConcurrentUpdate409 = samples.Count(s => s.ConcurrentUpdate);
        return this;
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    static double Percentile(double[] sorted, double p)
    {
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return Math.Round(sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)], 2);
    }

    public string StatusText() =>
        Statuses.Count == 0 ? "none" : string.Join(" ", Statuses.Select(kv => $"{kv.Key}:{kv.Value}"));

    public static string Ms(double? v) => v is { } x ? x.ToString("0.0", CultureInfo.InvariantCulture) : "-";

    public string Summary() =>
        $"{Target,-4} {Workload,-16} ops/s {OpsPerSec.ToString("0.0", CultureInfo.InvariantCulture)}  " +
        $"p50 {Ms(P50)}  p95 {Ms(P95)}  p99 {Ms(P99)} ms  statuses {StatusText()}  " +
        $"409 concurrent_update {ConcurrentUpdate409}" +
        (Facts.Count == 0 ? "" : "  " + string.Join("  ", Facts.Select(kv => $"{kv.Key}={kv.Value}")));

    static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public void Save(string? path)
    {
        Console.WriteLine(Summary());
        if (path is null) return;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Options));
    }

    public static WorkloadResult? Load(string path) =>
        File.Exists(path) ? JsonSerializer.Deserialize<WorkloadResult>(File.ReadAllText(path), Options) : null;
}
