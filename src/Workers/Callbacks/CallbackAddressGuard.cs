using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Workers.Callbacks;

/// <summary>
/// The SSRF guard: a callback must not reach the service's own neighbours (loopback, private and link-local networks,
/// cloud metadata at 169.254.169.254, carrier-grade NAT, multicast) unless <see cref="CallbackOptions.AllowPrivateNetworks"/>.
/// Checked twice: at submit (<see cref="CheckAsync"/>, for a clear 400) and at every connection
/// (<see cref="ConnectAsync"/>, the HTTP client's connect callback), because a name can resolve to a public address at
/// submit and to a private one later (DNS rebinding).
/// </summary>
public sealed class CallbackAddressGuard(IHostAddressResolver resolver, IOptions<CallbackOptions> options)
{
    /// <summary>Null when the URL may be used as a callback, otherwise why not, for the client.</summary>
    public async Task<string?> CheckAsync(Uri url, CancellationToken cancellationToken)
    {
        if (!url.IsAbsoluteUri)
            return "callback URL must be absolute";
        if (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
            return $"callback URL scheme '{url.Scheme}' is not allowed; use http or https";
        if (url.UserInfo.Length > 0)
            return "callback URL must not contain user information";
        if (url.IdnHost.Length == 0)
            return "callback URL has no host";
        try
        {
            return (await ResolveAsync(url.IdnHost, cancellationToken)).Refusal;
        }
        catch (SocketException)
        {
            return $"callback host '{url.IdnHost}' does not resolve";
        }
    }

    /// <summary>
    /// For <see cref="SocketsHttpHandler.ConnectCallback"/>: resolves the host itself and connects to one of its
    /// addresses only when all of them are allowed, so what was checked is what is connected to.
    /// Throws <see cref="CallbackAddressRefusedException"/> when refused.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var (addresses, refusal) = await ResolveAsync(context.DnsEndPoint.Host, cancellationToken);
        if (refusal is not null)
            throw new CallbackAddressRefusedException(refusal);

        SocketException? last = null;
        foreach (var resolved in addresses)
        {
            var address = resolved.IsIPv4MappedToIPv6 ? resolved.MapToIPv4() : resolved;
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    /// <summary>
    /// Why an address is not public (e.g. "a private address"), or null when it is. IPv4 embedded in IPv6 (mapped,
    /// the deprecated compatible form, and the NAT64 prefix 64:ff9b::/96) is judged as the IPv4 address it reaches.
    /// </summary>
    public static string? Classify(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
            return ClassifyV4(address.GetAddressBytes());
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return "not an IP address";

        if (address.IsIPv4MappedToIPv6)
            return ClassifyV4(address.MapToIPv4().GetAddressBytes());
        if (address.Equals(IPAddress.IPv6Any))
            return "an unspecified address";
        if (address.Equals(IPAddress.IPv6Loopback))
            return "a loopback address";

        var b = address.GetAddressBytes();
        if ((b[0] & 0xFE) == 0xFC)
            return "a private address";
        if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80)
            return "a link-local address";
        if (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0)
            return "a private address"; // site-local, deprecated but still routed inside some networks
        if (b[0] == 0xFF)
            return "a multicast address";
        if (b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0)
            return ClassifyV4(b.AsSpan(12));
        if (b.AsSpan(0, 12).SequenceEqual(Nat64Prefix))
            return ClassifyV4(b.AsSpan(12));
        return null;
    }

    static ReadOnlySpan<byte> Nat64Prefix => [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0];

    static string? ClassifyV4(ReadOnlySpan<byte> b) => b switch
    {
        // 0.0.0.0/8 is "this network"; a connection to 0.0.0.0 reaches the local host on Linux.
        [0, ..] => "an unspecified address",
        [127, ..] => "a loopback address",
        [10, ..] => "a private address",
        [172, >= 16 and <= 31, ..] => "a private address",
        [192, 168, ..] => "a private address",
        [100, >= 64 and <= 127, ..] => "a shared (carrier-grade NAT) address",
        [169, 254, ..] => "a link-local address",
        [>= 224 and <= 239, ..] => "a multicast address",
        [>= 240, ..] => "a reserved address",
        _ => null,
    };

    async Task<(IPAddress[] Addresses, string? Refusal)> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        var allowAll = options.Value.AllowPrivateNetworks;
        if (IPAddress.TryParse(host.AsSpan().Trim("[]"), out var literal))
            return ([literal], allowAll || Classify(literal) is not { } literalKind
                ? null
                : $"callback host '{host}' is {literalKind}");

        var addresses = await resolver.ResolveAsync(host, cancellationToken);
        if (addresses.Length == 0)
            throw new SocketException((int)SocketError.HostNotFound);
        if (!allowAll)
            // Every address, not just the first: the connection may use any of them.
            foreach (var address in addresses)
                if (Classify(address) is { } kind)
                    return (addresses, $"callback host '{host}' resolves to {address}, {kind}");
        return (addresses, null);
    }
}
