namespace Workers.Data;

/// <summary>
/// A command already applied: its message id, when, and the response it was answered with, written in the same
/// transaction as the command's effect so a redelivery is answered without applying it twice.
/// </summary>
public sealed class InboxRecord
{
    public Guid MessageId { get; set; }
    public required string MessageType { get; set; }
    public required string ResponseType { get; set; }
    public required string ResponseJson { get; set; }
    public DateTime ReceivedAt { get; set; }
}
