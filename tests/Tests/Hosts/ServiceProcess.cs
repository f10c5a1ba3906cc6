using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Tests.Hosts;

/// <summary>
/// The Api or a Workers process, started from its build output with <c>dotnet</c>, configured through environment
/// variables exactly as a deployment would be. Its output is kept for assertions and for failure messages.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    readonly Process process;
    readonly ConcurrentQueue<string> lines = new();

    ServiceProcess(string project, IReadOnlyDictionary<string, string> environment, string? arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(Assembly(project))!,
        };
        start.ArgumentList.Add(Assembly(project));
        foreach (var argument in (arguments ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
            start.ArgumentList.Add(argument);
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__Json"] = "false";
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lines.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Name = $"{project}#{process.Id}";
    }

    public string Name { get; }
    public bool HasExited => process.HasExited;
    public int ExitCode => process.ExitCode;
    public string Output => string.Join("\n", lines);

    public static ServiceProcess Workers(IReadOnlyDictionary<string, string> environment) => new("Workers", environment, null);

    public static ServiceProcess Api(IReadOnlyDictionary<string, string> environment, int port) =>
        new("Api", environment, $"--urls http://127.0.0.1:{port}");

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until a line of output contains <paramref name="text"/>.</summary>
    public async Task WaitForOutput(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
                return;
            if (process.HasExited)
                throw new InvalidOperationException($"{Name} exited ({process.ExitCode}) before printing '{text}':\n{Output}");
            await Task.Delay(100);
        }
        throw new TimeoutException($"{Name} did not print '{text}' within {timeout}:\n{Output}");
    }

    public async Task WaitForExit(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
    }

    /// <summary>SIGKILL: no shutdown, no acknowledgement of what it holds.</summary>
    public async Task Kill()
    {
        if (!process.HasExited)
            process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    /// <summary>SIGTERM: the host stops taking work and finishes what it holds.</summary>
    public async Task Stop()
    {
        if (!process.HasExited)
        {
            Process.Start("kill", ["-TERM", process.Id.ToString()])!.WaitForExit();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try { await process.WaitForExitAsync(cts.Token); }
            catch (OperationCanceledException) { process.Kill(entireProcessTree: true); }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Kill();
        process.Dispose();
    }

    /// <summary>The project's build output next to this test assembly's configuration (Debug or Release).</summary>
    static string Assembly(string project)
    {
        var testDirectory = AppContext.BaseDirectory;
        var root = testDirectory;
        while (!File.Exists(Path.Combine(root, "Messaging.sln")))
            root = Path.GetDirectoryName(root.TrimEnd(Path.DirectorySeparatorChar)) ?? throw new InvalidOperationException("Messaging.sln not found above " + testDirectory);
        var configuration = testDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var path = Path.Combine(root, "src", project, "bin", configuration, "net10.0", $"{project}.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build {project} first ({configuration}).", path);
    }
}
