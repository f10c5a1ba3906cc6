using System.Diagnostics;
using Workers.Queue.Admission;

namespace AdmissionBench;

/// <summary>What timing one scenario gave: each measured pass's time and allocation, and what the last pass decided.</summary>
public sealed record Measurement(
    string Scenario, string Cloud, int Jobs, double[] Milliseconds, long[] AllocatedBytes, double CpuMilliseconds,
    int Gen0, int Gen1, int Gen2, AdmissionPlan LastPlan)
{
    /// <summary>The process's CPU time over the timed passes, per pass: what a pass costs when it shares the cores
    /// with other work, which stretches the wall time but not this.</summary>
    public double CpuMsPerPass => CpuMilliseconds / Milliseconds.Length;

    public double Mean => Milliseconds.Average();
    public double P50 => Percentile(0.50);
    public double P99 => Percentile(0.99);
    public double Max => Milliseconds.Max();
    /// <summary>Jobs the planner decides on per second at the mean pass time (every job is admitted or given a reason).</summary>
    public double JobsPerSecond => Jobs / (Mean / 1000);
    public double AllocatedMbPerPass => AllocatedBytes.Average() / (1024 * 1024);
    public int AdmittedInstances => LastPlan.Admitted.Sum(a => a.Instances.Count);
    public int HeldByOrder => LastPlan.Waiting.Count(w => w.Reason.StartsWith("waiting for the jobs ahead of it", StringComparison.Ordinal));

    /// <summary>Nearest rank: the smallest time at or above which the fraction <paramref name="p"/> of passes lie.</summary>
    double Percentile(double p)
    {
        var sorted = Milliseconds.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    /// <summary>
    /// Plans <paramref name="warmups"/> passes untimed (the JIT reaches its final code), then times
    /// <paramref name="runs"/> passes one by one on this thread. Each pass plans the same input from scratch, as the
    /// service does on every admission tick.
    /// </summary>
    public static Measurement Run(string scenario, string cloudText, CloudState cloud, List<QueuedJob> jobs,
        Dictionary<string, QueuePolicy> policies, int warmups, int runs)
    {
        AdmissionPlan plan = null!;
        for (var i = 0; i < warmups; i++)
            plan = AdmissionPlanner.Plan(jobs, cloud, policies, Workload.Now);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        var ms = new double[runs];
        var bytes = new long[runs];
        var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < runs; i++)
        {
            var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            var started = Stopwatch.GetTimestamp();
            plan = AdmissionPlanner.Plan(jobs, cloud, policies, Workload.Now);
            ms[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            bytes[i] = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        }
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds;
        return new(scenario, cloudText, jobs.Count, ms, bytes, cpu,
            GC.CollectionCount(0) - gen0, GC.CollectionCount(1) - gen1, GC.CollectionCount(2) - gen2, plan);
    }
}
