using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Workers.Callbacks;

namespace Tests.Callbacks;

/// <summary>The services <c>AddCallbacks</c> registers, built from configuration, with a test resolver and clock.</summary>
public static class CallbackHost
{
    public static readonly DateTimeOffset Epoch = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    public static IHost Build(
        Dictionary<string, string?>? configuration = null, IHostAddressResolver? resolver = null, TimeProvider? time = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(configuration ?? []);
        builder.Services.AddSingleton(time ?? new ManualTime(Epoch));
        if (resolver is not null)
            builder.Services.AddSingleton(resolver);
        builder.AddCallbacks();
        return builder.Build();
    }

    public static IHost AllowingPrivateNetworks(
        Dictionary<string, string?>? configuration = null, IHostAddressResolver? resolver = null, TimeProvider? time = null) =>
        Build(With(configuration, "Callbacks:AllowPrivateNetworks", "true"), resolver, time);

    static Dictionary<string, string?> With(Dictionary<string, string?>? configuration, string key, string value)
    {
        var copy = configuration is null ? new Dictionary<string, string?>() : new Dictionary<string, string?>(configuration);
        copy[key] = value;
        return copy;
    }
}
