using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Api.Http;

/// <summary>The checks Placement's handlers make, in the words Placement uses, for the endpoint handlers to call in order.</summary>
public static class PlacementHttp
{
    /// <summary>Writes need a JSON body (415 otherwise); parameters such as charset are fine.</summary>
    public static IResult? RequireJsonContent(HttpContext http)
    {
        var mediaType = MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var parsed) ? parsed.MediaType : null;
        if (string.Equals(mediaType, "application/json", StringComparison.OrdinalIgnoreCase))
            return null;
        var shown = mediaType ?? "None";
        http.Request.ContentType = shown; // the 415 explanation names it too
        return PlacementErrors.Error(415, $"The media type {shown} is not supported, use application/json");
    }

    /// <summary>Reads answer JSON only; an Accept header that excludes it is a 406 (in plain text, as WebOb renders it).</summary>
    public static IResult? RequireJsonAccepted(HttpContext http)
    {
        var accept = http.Request.Headers.Accept.ToString();
        if (accept.Length == 0)
            return null;
        foreach (var item in accept.Split(','))
        {
            if (!MediaTypeWithQualityHeaderValue.TryParse(item.Trim(), out var range) || range.Quality == 0)
                continue;
            if (range.MediaType is "application/json" or "application/*" or "*/*")
                return null;
        }
        return new NotAcceptableText(accept);
    }

    /// <summary>
    /// A provider named in the path. Placement looks the segment up as a stored (canonical) uuid string, so any other
    /// spelling is its lookup's 404.
    /// </summary>
    public static IResult? ProviderPath(HttpContext http, string segment, out Guid uuid) =>
        PlacementUuid.TryParseCanonical(segment, out uuid)
            ? null
            : PlacementErrors.Problem(http, Contracts.Placement.PlacementProblem.ProviderNotFound(segment));

    /// <summary>Placement allows admins and services (its default policy); the action names the rule.</summary>
    public static IResult? Authorize(HttpContext http, string action) =>
        Caller.Of(http) is { IsAdminOrService: true } ? null : PlacementErrors.Forbidden(http, action);

    /// <summary>Reads the body (413 past <c>Api:MaxBodyBytes</c>), parses it (400 "Malformed JSON") and validates it.</summary>
    public static async Task<(JsonElement Body, IResult? Error)> ReadJson(HttpContext http, JsonSchema schema)
    {
        var max = http.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.MaxBodyBytes;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > max)
                return (default, PlacementErrors.Error(413, $"The request body is larger than {max} bytes."));
        }

        JsonElement body;
        try
        {
            using var document = JsonDocument.Parse(buffer.ToArray());
            body = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            var reason = buffer.Length == 0 ? "Expecting value: line 1 column 1 (char 0)" : e.Message;
            return (default, PlacementErrors.BadRequest($"Malformed JSON: {reason}"));
        }
        return schema.Validate(body) is { } invalid
            ? (default, PlacementErrors.BadRequest($"JSON does not validate: {invalid}"))
            : (body, null);
    }

    /// <summary>Query parameters checked like a JSON object of strings, as Placement validates them: a repeated
    /// key counts with its last value only (WebOb's dict of a multidict).</summary>
    public static IResult? ValidateQuery(HttpContext http, JsonSchema schema)
    {
        var query = http.Request.Query.ToDictionary(q => q.Key, q => q.Value[^1]);
        var instance = JsonSerializer.SerializeToElement(query);
        return schema.Validate(instance) is { } invalid
            ? PlacementErrors.BadRequest($"Invalid query string parameters: {invalid}")
            : null;
    }

    /// <summary>The last value of a query parameter, as Placement reads it; null when absent.</summary>
    public static string? Query(HttpContext http, string key) =>
        http.Request.Query.TryGetValue(key, out var values) && values.Count > 0 ? values[^1] : null;

    /// <summary>A JSON answer with Placement's content type (no charset parameter). A Last-Modified comes with
    /// Cache-Control: no-cache; <paramref name="noCache"/> sends the latter alone (Placement does, when it has no date).</summary>
    public static IResult Json(object body, int status = 200, DateTime? lastModified = null, bool noCache = false) =>
        new JsonAnswer(body, status, lastModified, noCache || lastModified is not null);

    /// <summary>From 1.15 Placement answers <c>Last-Modified</c> and <c>Cache-Control: no-cache</c> on reads and writes.</summary>
    public static DateTime? LastModifiedFrom15(HttpContext http, DateTime? modified) =>
        PlacementVersion.Of(http).AtLeast(15) ? modified : null;

    public static bool CacheHeaders(HttpContext http) => PlacementVersion.Of(http).AtLeast(15);

    sealed record JsonAnswer(object Body, int Status, DateTime? LastModified, bool NoCache) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = Status;
            http.Response.ContentType = PlacementErrors.ContentType;
            if (LastModified is { } modified)
                http.Response.Headers.LastModified = modified.ToString("R");
            if (NoCache)
                http.Response.Headers.CacheControl = "no-cache";
            await JsonSerializer.SerializeAsync(http.Response.Body, Body, Body.GetType(), cancellationToken: http.RequestAborted);
        }
    }

    sealed record NotAcceptableText(string Accept) : IResult
    {
        public Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = 406;
            http.Response.ContentType = "text/plain; charset=UTF-8";
            return http.Response.WriteAsync(
                $"406 Not Acceptable\n\nThe resource could not be generated that was acceptable to your browser (content of type {Accept}. \n\n Only application/json is provided");
        }
    }
}
