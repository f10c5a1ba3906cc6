using System.Globalization;
using System.Text;
using Workers.Queue.Admission;

namespace AdmissionBench;

/// <summary>The figures as a Markdown table, and the results file around it.</summary>
public static class Report
{
    static string F(double v, string format = "0.0") => v.ToString(format, CultureInfo.InvariantCulture);

    public static string Table(IEnumerable<Measurement> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| cloud | jobs | admitted (instances) | waiting (behind another job) | p50 ms | p99 ms | mean ms | max ms | CPU ms per pass | jobs/s | MB allocated per pass | GCs gen0/1/2 |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in results)
            sb.AppendLine($"| {r.Scenario} ({r.Cloud}) | {r.Jobs} | {r.LastPlan.Admitted.Count} ({r.AdmittedInstances}) | " +
                          $"{r.LastPlan.Waiting.Count} ({r.HeldByOrder}) | {F(r.P50, "0.00")} | {F(r.P99, "0.00")} | " +
                          $"{F(r.Mean, "0.00")} | {F(r.Max, "0.00")} | {F(r.CpuMsPerPass, "0.00")} | {F(r.JobsPerSecond, "#,0")} | {F(r.AllocatedMbPerPass, "0.00")} | " +
                          $"{r.Gen0}/{r.Gen1}/{r.Gen2} |");
        return sb.ToString();
    }

    public static string Markdown(string stamp, string command, int hosts, int jobs, int warmups, int runs, int seed,
        IReadOnlyList<Measurement> results, string table)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"# Admission planner benchmark, {stamp}");
        sb.AppendLine();
        sb.AppendLine($"- command: `{command}`");
        sb.AppendLine($"- commit: {Machine.Commit ?? "unknown"}");
        sb.AppendLine($"- machine: nproc {Machine.Nproc}; CPU {Machine.CpuModel}; memory {Machine.TotalMemory}; OS {Machine.OperatingSystem}");
        sb.AppendLine($"- load average when the run started (`/proc/loadavg`): {Machine.LoadAverage}");
        sb.AppendLine($"- runtime: {Machine.Runtime} (the Workers service's settings: no background GC, no instrumented tier, 64 MiB gen0)");
        sb.AppendLine($"- workload (seed {seed}): {hosts} hosts of 64 VCPU (ratio 4), 256 GiB MEMORY_MB (4 GiB reserved), 2 TB DISK_GB, " +
                      "in 10 rack aggregates, traits HW_CPU_X86_AVX2 90%, CUSTOM_SSD 40%, CUSTOM_GPU_A100 5%, COMPUTE_STATUS_DISABLED 1%; " +
                      $"{jobs} jobs of 1-3 instances, flavors 1/4/8/16 VCPU (50/30/15/5%), 20% pinned to a rack, 10% needing CUSTOM_SSD, " +
                      "2% CUSTOM_GPU_A100, 30% refusing COMPUTE_STATUS_DISABLED, 10% without disk; types batch 40% (strict, pack), " +
                      "web 40% (backfill, bound 12 h, spread), analytics 20% (backfill, bound 20 min, pack); queued 0-3 h ago");
        sb.AppendLine($"- method: per cloud, {warmups} untimed passes, then {runs} timed passes one after another on one thread " +
                      "(Stopwatch around `AdmissionPlanner.Plan`; allocation from `GC.GetAllocatedBytesForCurrentThread`); " +
                      "p50/p99 by nearest rank; jobs/s = jobs / mean pass time; CPU ms per pass = the process's CPU time over the timed passes / passes " +
                      "(on a shared machine the wall times stretch with the others' load, the CPU time much less)");
        sb.AppendLine();
        sb.Append(table);
        sb.AppendLine();
        foreach (var r in results)
        {
            sb.AppendLine($"Most common reasons, {r.Scenario}:");
            sb.AppendLine();
            foreach (var (reason, count) in CommonReasons(r.LastPlan).Take(5))
                sb.AppendLine($"- {count} x `{reason}`");
            sb.AppendLine();
        }
        return sb.ToString();
    }

    /// <summary>A plan written out in full, one line per job in the order the plan lists them.</summary>
    public static IEnumerable<string> PlanLines(Measurement r) =>
        r.LastPlan.Admitted.Select(a => $"{r.Scenario}: admit {a.Job.Id} on " + string.Join(", ", a.Instances.Select(c => $"{c.HostName} {c.HostUuid:N}")))
            .Concat(r.LastPlan.Waiting.Select(w => $"{r.Scenario}: wait {w.Job.Id}: {w.Reason}"));

    /// <summary>Reasons with job names and numbers taken out, most frequent first.</summary>
    static IEnumerable<(string Reason, int Count)> CommonReasons(AdmissionPlan plan) =>
        plan.Waiting.Select(w => System.Text.RegularExpressions.Regex.Replace(w.Reason, @"job-\d+|\d+", "N"))
            .GroupBy(r => r).Select(g => (g.Key, g.Count())).OrderByDescending(x => x.Item2).ThenBy(x => x.Key, StringComparer.Ordinal);

    /// <summary>The nearest directory up from here that holds Messaging.sln.</summary>
    public static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Messaging.sln")))
                return dir.FullName;
        return null;
    }
}
