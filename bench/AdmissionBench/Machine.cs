using System.Diagnostics;
using System.Runtime;
using System.Runtime.InteropServices;

namespace AdmissionBench;

/// <summary>What the figures were measured on, read from the usual Linux places (blank where one is missing).</summary>
public static class Machine
{
    public static string Nproc => Run("nproc") ?? Environment.ProcessorCount.ToString();

    public static string CpuModel
    {
        get
        {
            var models = ReadLines("/proc/cpuinfo")
                .Where(l => l.StartsWith("model name", StringComparison.Ordinal))
                .Select(l => l[(l.IndexOf(':') + 1)..].Trim()).ToList();
            return models.Count == 0 ? "unknown" : $"{models[0]} (x {models.Count} in /proc/cpuinfo)";
        }
    }

    public static string TotalMemory
    {
        get
        {
            var line = ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            if (line is null || !long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], out var kb))
                return "unknown";
            return $"{kb / 1024.0 / 1024.0:0.0} GiB";
        }
    }

    public static string OperatingSystem
    {
        get
        {
            var pretty = ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal));
            var name = pretty?["PRETTY_NAME=".Length..].Trim('"');
            var kernel = ReadLines("/proc/sys/kernel/osrelease").FirstOrDefault();
            return $"{name ?? RuntimeInformation.OSDescription}{(kernel is null ? "" : $", kernel {kernel}")}";
        }
    }

    /// <summary>Read once, at the first call: the program reads it before timing anything.</summary>
    public static string LoadAverage { get; } = ReadLines("/proc/loadavg").FirstOrDefault() ?? "unknown";

    public static string Runtime =>
        $"{RuntimeInformation.FrameworkDescription}, {RuntimeInformation.ProcessArchitecture}, " +
        $"{(GCSettings.IsServerGC ? "server" : "workstation")} GC, latency mode {GCSettings.LatencyMode}";

    public static string? Commit
    {
        get
        {
            var head = Run("git", "rev-parse HEAD");
            if (head is null)
                return null;
            var dirty = Run("git", "status --porcelain --untracked-files=no");
            return string.IsNullOrEmpty(dirty) ? head : $"{head} (with uncommitted changes)";
        }
    }

    static IEnumerable<string> ReadLines(string path) => File.Exists(path) ? File.ReadLines(path) : [];

    static string? Run(string file, string arguments = "")
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
