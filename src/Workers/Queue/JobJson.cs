using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Contracts.Queue;

namespace Workers.Queue;

/// <summary>
/// The job's wire format, the original service's names and shapes (<c>ID</c>, <c>RequestID</c>, <c>Data</c> as a JSON
/// string, ...) plus the additive fields. One writer for the API's answers and the callbacks' bodies, so a receiver
/// sees exactly what a GET shows.
/// </summary>
public static class JobJson
{
    /// <summary>
    /// Quotes inside <c>Data</c> read as <c>\"</c>, as the original wrote them, not as <c>\u0022</c>; the answer is
    /// JSON, never HTML, so the HTML-safe escaping buys nothing.
    /// </summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>RFC 3339 in UTC with a <c>Z</c> and up to 7 fractional digits (trailing zeros dropped).</summary>
    public static string Timestamp(DateTime utc) =>
        DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    public static void Write(Utf8JsonWriter json, JobView job)
    {
        json.WriteStartObject();
        json.WriteNumber("ID", job.Id);
        json.WriteString("CreatedAt", Timestamp(job.CreatedAt));
        json.WriteString("UpdatedAt", Timestamp(job.UpdatedAt));
        WriteTimestamp(json, "DeletedAt", job.DeletedAt);
        json.WriteString("RequestID", job.RequestId);
        json.WriteString("Type", job.Type);
        json.WriteString("OwnerID", job.OwnerId);
        json.WriteString("Data", job.Data);
        json.WriteString("Callback", job.Callback);
        json.WriteNumber("Priority", job.Priority);
        json.WriteString("Status", job.Status);
        if (job.Position is { } position)
            json.WriteNumber("Position", position);
        else
            json.WriteNull("Position");
        json.WriteString("Reason", job.Reason);
        json.WriteStartArray("Instances");
        foreach (var instance in job.Instances)
        {
            json.WriteStartObject();
            json.WriteString("ServerUUID", instance.ServerUuid.ToString());
            if (instance.Host is not null)
            {
                json.WriteString("Host", instance.Host);
                json.WriteString("ResourceProvider", instance.ResourceProvider?.ToString());
                json.WriteStartObject("Resources");
                foreach (var (name, amount) in instance.Resources ?? new Dictionary<string, int>())
                    json.WriteNumber(name, amount);
                json.WriteEndObject();
                json.WriteStartArray("AcceleratorRequests");
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();
        WriteTimestamp(json, "AdmittedAt", job.AdmittedAt);
        if (job.CallbackDelivery is { } delivery)
        {
            json.WriteStartObject("CallbackDelivery");
            json.WriteString("ID", delivery.Id.ToString());
            json.WriteString("Event", delivery.Event);
            json.WriteString("State", delivery.State);
            json.WriteNumber("Attempts", delivery.Attempts);
            json.WriteString("LastError", delivery.LastError);
            WriteTimestamp(json, "DeliveredAt", delivery.DeliveredAt);
            WriteTimestamp(json, "NextAttemptAt", delivery.NextAttemptAt);
            json.WriteStartArray("History");
            foreach (var attempt in delivery.History)
            {
                json.WriteStartObject();
                json.WriteString("At", Timestamp(attempt.At));
                if (attempt.Status is { } status)
                    json.WriteNumber("Status", status);
                else
                    json.WriteNull("Status");
                json.WriteString("Error", attempt.Error);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        else
        {
            json.WriteNull("CallbackDelivery");
        }
        json.WriteEndObject();
    }

    /// <summary>A callback's body: <c>{"event": ..., "data": &lt;the job&gt;}</c>, the text stored on its delivery and sent as UTF-8.</summary>
    public static string CallbackBody(string @event, JobView job)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("event", @event);
            json.WritePropertyName("data");
            Write(json, job);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    static void WriteTimestamp(Utf8JsonWriter json, string name, DateTime? value)
    {
        if (value is { } utc)
            json.WriteString(name, Timestamp(utc));
        else
            json.WriteNull(name);
    }
}
