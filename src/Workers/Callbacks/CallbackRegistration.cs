using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Workers.Data;

namespace Workers.Callbacks;

public static class CallbackRegistration
{
    /// <summary>The named HttpClient <see cref="CallbackSender"/> uses.</summary>
    public const string HttpClientName = "callbacks";

    /// <summary>
    /// The <c>Callbacks</c> options, the SSRF guard, the sender with its HTTP client, and the retry policy; all
    /// singletons. An <see cref="IHostAddressResolver"/> registered before this call is kept.
    /// </summary>
    public static IHostApplicationBuilder AddCallbacks(this IHostApplicationBuilder builder)
    {
        builder.AddCallbackGuard();
        builder.Services.AddSingleton<CallbackSender>();
        builder.Services.AddSingleton(sp =>
            new CallbackRetryPolicy(sp.GetRequiredService<IOptions<CallbackOptions>>(), Random.Shared));

        builder.Services.AddHttpClient(HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                var timeout = sp.GetRequiredService<IOptions<CallbackOptions>>().Value.Timeout;
                return new SocketsHttpHandler
                {
                    // A redirect could lead anywhere, the guarded networks included; 3xx is a final answer instead.
                    AllowAutoRedirect = false,
                    // Through a proxy the guard would only see the proxy's address.
                    UseProxy = false,
                    UseCookies = false,
                    ConnectCallback = sp.GetRequiredService<CallbackAddressGuard>().ConnectAsync,
                    // Each attempt has its own timeout; this one ends a connection attempt the request gave up on.
                    ConnectTimeout = timeout,
                    // New connections resolve the host again (and pass the guard again) after this.
                    PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                };
            })
            // The handler outlives the factory's rotation; PooledConnectionLifetime already bounds connection age.
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
        return builder;
    }

    /// <summary>The <c>Callbacks</c> options and the SSRF guard alone, for the Api's check at submit. Safe to call twice.</summary>
    public static IHostApplicationBuilder AddCallbackGuard(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<TimeProvider, MicrosecondClock>();
        builder.Services.AddOptions<CallbackOptions>().BindConfiguration(CallbackOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton<IHostAddressResolver, DnsHostAddressResolver>();
        builder.Services.TryAddSingleton<CallbackAddressGuard>();
        return builder;
    }
}
