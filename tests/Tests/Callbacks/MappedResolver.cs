using System.Net;
using System.Net.Sockets;
using Workers.Callbacks;

namespace Tests.Callbacks;

/// <summary>Resolves names from a table instead of DNS. A name may map to several answers in turn (the last one
/// repeats), which is how a rebinding name behaves.</summary>
public sealed class MappedResolver : IHostAddressResolver
{
    readonly Dictionary<string, Queue<IPAddress[]>> names = new(StringComparer.OrdinalIgnoreCase);
    readonly Lock gate = new();

    public MappedResolver Map(string name, params string[] addresses)
    {
        lock (gate)
        {
            if (!names.TryGetValue(name, out var answers))
                names[name] = answers = new();
            answers.Enqueue([.. addresses.Select(IPAddress.Parse)]);
        }
        return this;
    }

    public List<string> Lookups { get; } = [];

    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            Lookups.Add(host);
            if (!names.TryGetValue(host, out var answers))
                throw new SocketException((int)SocketError.HostNotFound);
            return Task.FromResult(answers.Count > 1 ? answers.Dequeue() : answers.Peek());
        }
    }
}
