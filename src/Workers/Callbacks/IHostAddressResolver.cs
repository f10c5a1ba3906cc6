using System.Net;

namespace Workers.Callbacks;

/// <summary>Name resolution for callback hosts, replaceable so tests can map names to chosen addresses.</summary>
public interface IHostAddressResolver
{
    /// <summary>The host's addresses; throws <see cref="System.Net.Sockets.SocketException"/> when it does not
    /// resolve, as <see cref="Dns"/> does.</summary>
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}
