namespace Workers.Inbox;

public sealed class InboxOptions
{
    public const string Section = "Inbox";

    /// <summary>How long an applied command's record is kept: longer than any redelivery can arrive.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);
}
