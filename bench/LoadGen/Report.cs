using System.Globalization;
using System.Text;

namespace LoadGen;

/// <summary>The side-by-side table of the results in a folder (<c>peer-&lt;workload&gt;.json</c>,
/// <c>ours-&lt;workload&gt;.json</c>).</summary>
public static class Report
{
    static readonly string[] Order = ["setup", "alloc-writes", "contended-claims", "reshaper"];

    static string F(double v, string format = "0.0") => v.ToString(format, CultureInfo.InvariantCulture);

    public static string Markdown(string dir)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| workload | peer ops/s | ours ops/s | ours/peer | peer p50 / p95 / p99 ms | ours p50 / p95 / p99 ms | ours p99 / peer p50 | peer statuses | ours statuses | 409 concurrent_update peer / ours |");
        sb.AppendLine("|---|---:|---:|---:|---|---|---:|---|---|---|");
        var notes = new StringBuilder();
        foreach (var workload in Order)
        {
            var peer = WorkloadResult.Load(Path.Combine(dir, $"peer-{workload}.json"));
            var ours = WorkloadResult.Load(Path.Combine(dir, $"ours-{workload}.json"));
            if (peer is null && ours is null) continue;
            string Ops(WorkloadResult? r) => r is null ? "not run" : F(r.OpsPerSec);
            string Lat(WorkloadResult? r) => r is null ? "-" :
                r.P50 is null ? "no 2xx" : $"{WorkloadResult.Ms(r.P50)} / {WorkloadResult.Ms(r.P95)} / {WorkloadResult.Ms(r.P99)}";
            var ratio = peer is { OpsPerSec: > 0 } && ours is not null ? F(ours.OpsPerSec / peer.OpsPerSec, "0.00") : "-";
            var tail = peer?.P50 is { } p50 && p50 > 0 && ours?.P99 is { } p99 ? F(p99 / p50, "0.00") : "-";
            sb.AppendLine($"| {workload} | {Ops(peer)} | {Ops(ours)} | {ratio} | {Lat(peer)} | {Lat(ours)} | {tail} | " +
                          $"{peer?.StatusText() ?? "-"} | {ours?.StatusText() ?? "-"} | " +
                          $"{peer?.ConcurrentUpdate409.ToString(CultureInfo.InvariantCulture) ?? "-"} / " +
                          $"{ours?.ConcurrentUpdate409.ToString(CultureInfo.InvariantCulture) ?? "-"} |");
            var op = (peer ?? ours)!.Op;
            notes.AppendLine($"- **{workload}**: one op = {op}; clients {(peer ?? ours)!.Clients}.");
            foreach (var r in new[] { peer, ours }.OfType<WorkloadResult>())
            {
                var facts = string.Join(", ", r.Facts.Select(kv => $"{kv.Key} {kv.Value}"));
                notes.AppendLine($"  - {r.Target}: {r.Requests} answers in {F(r.WindowSeconds, "0.00")} s" +
                                 $" ({F(r.RequestsPerSec)} answers/s of any status), max {WorkloadResult.Ms(r.Max)} ms" +
                                 (facts.Length > 0 ? $"; {facts}" : ""));
            }
        }
        sb.AppendLine();
        sb.Append(notes);
        return sb.ToString();
    }
}
