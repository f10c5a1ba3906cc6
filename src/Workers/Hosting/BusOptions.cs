using System.ComponentModel.DataAnnotations;

namespace Workers.Hosting;

/// <summary>The <c>Bus</c> section. The RabbitMQ address is <c>ConnectionStrings:RabbitMq</c>.</summary>
public sealed class BusOptions
{
    public const string Section = "Bus";

    [AllowedValues("InMemory", "RabbitMq")]
    public string Transport { get; set; } = "InMemory";

    public bool IsRabbitMq => Transport == "RabbitMq";

    /// <summary>RabbitMQ queue type for the workers' queues: <c>quorum</c> (replicated, for a RabbitMQ cluster) or
    /// <c>classic</c> (durable, on one node). Both keep messages across broker restarts.</summary>
    [AllowedValues("quorum", "classic")]
    public string QueueType { get; set; } = "quorum";

    /// <summary>How many messages a worker process handles at once (and prefetches). Commands spend most of their
    /// time waiting on the database, so this is well above the core count.</summary>
    [Range(1, 1000)]
    public int ConcurrentMessages { get; set; } = 32;
}
