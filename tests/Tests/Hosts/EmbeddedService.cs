using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Tests.Hosts;

/// <summary>
/// The service on its embedded default (SQLite file, in-memory bus, workers in process), on a fresh database file
/// of its own, served in memory at <c>http://localhost</c>.
/// </summary>
public sealed class EmbeddedService : WebApplicationFactory<Program>
{
    readonly string directory = Directory.CreateTempSubdirectory("admission-test-").FullName;
    readonly Dictionary<string, string?> settings;

    readonly Action<IServiceCollection>? replaceServices;

    /// <param name="replaceServices">Replaces services the application registered (things we do not own, such as name
    /// resolution).</param>
    public EmbeddedService(Dictionary<string, string?>? overrides = null, Action<IServiceCollection>? replaceServices = null)
    {
        this.replaceServices = replaceServices;
        settings = new()
        {
            ["Database:Provider"] = "Sqlite",
            ["ConnectionStrings:Database"] = $"Data Source={Path.Combine(directory, "service.db")}",
            ["Bus:Transport"] = "InMemory",
            ["Logging:Json"] = "false",
            ["Serilog:MinimumLevel"] = "Warning",
            
        };
        foreach (var (key, value) in overrides ?? [])
            settings[key] = value;
    }

    public string DatabaseFile => Path.Combine(directory, "service.db");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in settings)
            builder.UseSetting(key, value);
        if (replaceServices is not null)
            builder.ConfigureTestServices(replaceServices);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
    }
}
