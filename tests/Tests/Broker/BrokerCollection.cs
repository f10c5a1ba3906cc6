namespace Tests.Broker;

/// <summary>
/// Broker-level tests run one at a time: one of them stops the shared RabbitMQ node, and each starts several
/// processes on a 2-core machine.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrokerCollection
{
    public const string Name = "broker";
}
