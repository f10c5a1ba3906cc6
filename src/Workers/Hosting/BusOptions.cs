using System.ComponentModel.DataAnnotations;

namespace Workers.Hosting;

/// <summary>The <c>Bus</c> section. The RabbitMQ address is <c>ConnectionStrings:RabbitMq</c>.</summary>
public sealed class BusOptions
{
    public const string Section = "Bus";

    [AllowedValues("InMemory", "RabbitMq")]
    public string Transport { get; set; } = "InMemory";

    public bool IsRabbitMq => Transport == "RabbitMq";
}
