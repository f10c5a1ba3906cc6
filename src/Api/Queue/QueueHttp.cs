using System.Text.Json;
using Api.Http;
using Contracts.Queue;
using Microsoft.Extensions.Options;
using Workers.Queue;

namespace Api.Queue;

/// <summary>
/// The queue API's envelope: <c>{"data": ..., "ok": true}</c> on success, <c>{"ok": false, "error", "code"}</c> on
/// failure, always with the real HTTP status (clients of the original service read only <c>ok</c>).
/// </summary>
public static class QueueHttp
{
    public static IResult Error(int status, string code, string error) => new Envelope(status, json =>
    {
        json.WriteBoolean("ok", false);
        json.WriteString("error", error);
        json.WriteString("code", code);
    });

    public static IResult Problem(QueueProblem problem) => Error(problem.Status, problem.Code, problem.Error);

    public static IResult Job(JobView job, int status = 200) => new Envelope(status, json =>
    {
        json.WritePropertyName("data");
        JobJson.Write(json, job);
        json.WriteBoolean("ok", true);
    });

    public static IResult Jobs(IReadOnlyList<JobView> jobs, string? nextMarker) => new Envelope(200, json =>
    {
        json.WriteStartArray("data");
        foreach (var job in jobs)
            JobJson.Write(json, job);
        json.WriteEndArray();
        if (nextMarker is not null)
            json.WriteString("next_marker", nextMarker);
        json.WriteBoolean("ok", true);
    });

    public static IResult Types(QueueTypeList types) => new Envelope(200, json =>
    {
        json.WriteStartArray("data");
        foreach (var type in types.Types)
        {
            json.WriteStartObject();
            json.WriteString("Type", type.Type);
            json.WriteStartObject("Jobs");
            foreach (var (status, count) in type.Jobs.OrderBy(c => c.Key, StringComparer.Ordinal))
                json.WriteNumber(status, count);
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteBoolean("ok", true);
    });

    /// <summary><c>{"data": {}, "ok": true}</c>, the original's answer to a change or a delete.</summary>
    public static IResult Empty() => new Envelope(200, json =>
    {
        json.WriteStartObject("data");
        json.WriteEndObject();
        json.WriteBoolean("ok", true);
    });

    /// <summary>The caller's view: an admin sees every job (null), anyone else only their project's.</summary>
    public static string? OwnerScope(HttpContext http) => Caller.Of(http) is { IsAdmin: false } caller ? caller.Project : null;

    /// <summary>Reads the body as one JSON object: too large is a 413, anything else than an object an <c>invalid_json</c>.</summary>
    public static async Task<(JsonElement Body, IResult? Error)> ReadObject(HttpContext http)
    {
        var max = http.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.MaxBodyBytes;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > max)
                return (default, Error(413, "body_too_large", $"the body is larger than {max} bytes"));
        }
        try
        {
            using var document = JsonDocument.Parse(buffer.ToArray());
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? (document.RootElement.Clone(), null)
                : (default, Error(400, "invalid_json", "the body must be a JSON object"));
        }
        catch (JsonException e)
        {
            return (default, Error(400, "invalid_json", buffer.Length == 0 ? "the body is empty; a JSON object is expected" : $"malformed JSON: {e.Message}"));
        }
    }

    sealed class Envelope(int status, Action<Utf8JsonWriter> members) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = status;
            http.Response.ContentType = "application/json; charset=utf-8";
            await using var json = new Utf8JsonWriter(http.Response.BodyWriter, JobJson.WriterOptions);
            json.WriteStartObject();
            members(json);
            json.WriteEndObject();
            await json.FlushAsync(http.RequestAborted);
        }
    }
}
