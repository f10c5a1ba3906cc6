using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Tests.Placement;

/// <summary>
/// Replays a fixture captured from the real Placement 8.0 (tools/placement-oracle) against our service and lists
/// every difference: status, the recorded headers (present or absent alike) and the body after removing what is
/// generated (saved variables, request ids) and what is Python's own wording (the schema dump after
/// "Failed validating", the JSON parser's message after "Malformed JSON:").
/// Lists Placement returns in no defined order (traits, aggregates: SQL without ORDER BY, filled from Python
/// sets) are compared as sets.
/// Differences named in allowed-differences.json, each with its reason, are tolerated; an allowance that no longer
/// matches anything is itself reported, so the list cannot go stale.
/// </summary>
public sealed class OracleFixture(string name)
{
    static readonly string[] RecordedHeaders =
        ["content-type", "openstack-api-version", "vary", "location", "cache-control", "last-modified", "allow", "x-openstack-request-id"];

    /// <summary>The committed fixtures, or fresh captures when <c>PLACEMENT_FIXTURES</c> names their folder
    /// (tools/placement-oracle/differential.sh).</summary>
    public static string Folder => Environment.GetEnvironmentVariable("PLACEMENT_FIXTURES") is { Length: > 0 } fresh
        ? fresh
        : Path.Combine(AppContext.BaseDirectory, "Placement", "Fixtures");

    static string ScenarioFolder => Path.Combine(AppContext.BaseDirectory, "Placement", "Scenarios");

    static string AllowListFile => Path.Combine(AppContext.BaseDirectory, "Placement", "Fixtures", "allowed-differences.json");

    public async Task<List<string>> Replay(HttpClient client)
    {
        var fixture = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Folder, name)))!;
        // Requests come from the scenario itself: the fixture file sorts keys, and Placement answers some requests
        // by the order of keys in the body it was sent.
        var scenario = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(ScenarioFolder, name)))!["steps"]!.AsArray();
        var allowances = Allowances();
        var used = new HashSet<string>();
        var variables = new Dictionary<string, string>();
        var differences = new List<string>();

        foreach (var (step, index) in fixture["steps"]!.AsArray().Select((s, i) => (s!, i)))
        {
            var stepName = step["name"]!.GetValue<string>();
            var sent = scenario[index]!;
            if (sent["name"]!.GetValue<string>() != stepName)
                throw new InvalidOperationException($"{name}: step {index} is '{stepName}' in the fixture but '{sent["name"]}' in the scenario; capture again.");
            var response = await client.SendAsync(Request(sent, variables));
            var expected = step["response"]!;
            var body = await response.Content.ReadAsStringAsync();
            Save(step, response, body, variables);

            var found = Compare(expected, response, body, variables);
            foreach (var (aspect, message) in found)
            {
                var key = $"{stepName}|{aspect}";
                if (allowances.ContainsKey(key))
                    used.Add(key);
                else
                    differences.Add($"[{stepName}] {aspect}: {message}");
            }
        }
        differences.AddRange(allowances.Keys.Where(k => !used.Contains(k))
            .Select(k => $"allowance no longer needed: {k}"));
        return differences;
    }

    Dictionary<string, string> Allowances()
    {
        var file = AllowListFile;
        if (!File.Exists(file))
            return [];
        return JsonNode.Parse(File.ReadAllText(file))!.AsArray()
            .Where(a => a!["fixture"]!.GetValue<string>() == name)
            .ToDictionary(a => $"{a!["step"]!.GetValue<string>()}|{a["aspect"]!.GetValue<string>()}", a => a!["reason"]!.GetValue<string>());
    }

    static HttpRequestMessage Request(JsonNode step, Dictionary<string, string> variables)
    {
        var request = new HttpRequestMessage(new HttpMethod(step["method"]!.GetValue<string>()), Substitute(step["path"]!.GetValue<string>(), variables));
        string? contentType = null;
        foreach (var (header, value) in step["headers"]?.AsObject() ?? [])
        {
            var text = Substitute(value!.GetValue<string>(), variables);
            if (header.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                contentType = text;
            else
                request.Headers.TryAddWithoutValidation(header, text);
        }
        string? payload = step["raw_body"] is { } raw ? raw.GetValue<string>()
            : step["body"] is { } json ? Substitute(json.ToJsonString(), variables) : null;
        if (payload is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(payload));
            if (contentType is not null)
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        else if (contentType is not null)
        {
            request.Content = new ByteArrayContent([]);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        return request;
    }

    static void Save(JsonNode step, HttpResponseMessage response, string body, Dictionary<string, string> variables)
    {
        foreach (var (variable, source) in step["save"]?.AsObject() ?? [])
        {
            var from = source!.GetValue<string>();
            if (from == "location" && response.Headers.Location is { } location)
                variables[variable] = location.ToString().TrimEnd('/').Split('/')[^1];
            else if (from.StartsWith("body:") && JsonNode.Parse(body)?[from[5..]] is { } value)
                variables[variable] = value.GetValue<string>();
        }
    }

    static List<(string Aspect, string Message)> Compare(JsonNode expected, HttpResponseMessage response, string body, Dictionary<string, string> variables)
    {
        var found = new List<(string, string)>();
        var status = expected["status"]!.GetValue<int>();
        if ((int)response.StatusCode != status)
            found.Add(("status", $"expected {status}, got {(int)response.StatusCode}; body {body}"));

        var expectedHeaders = expected["headers"]!.AsObject();
        foreach (var header in RecordedHeaders)
        {
            var ours = HeaderValue(response, header);
            var theirs = expectedHeaders[header]?.GetValue<string>();
            if (theirs is null && ours is not null)
                found.Add(($"header:{header}", $"not expected, got '{ours}'"));
            else if (theirs is not null && ours is null)
                found.Add(($"header:{header}", $"expected '{theirs}', missing"));
            else if (theirs is not null && theirs != "<present>" && Normalize(ours!, variables) != theirs)
                found.Add(($"header:{header}", $"expected '{theirs}', got '{Normalize(ours!, variables)}'"));
        }

        if (expected["body"] is { } expectedBody)
        {
            JsonNode? ours;
            try { ours = NormalizeBody(JsonNode.Parse(body), variables); }
            catch (JsonException) { found.Add(("body", $"expected JSON, got '{body}'")); return found; }
            var theirs = NormalizeBody(expectedBody.DeepClone(), []);
            if (!JsonNode.DeepEquals(ours, theirs))
                found.Add(("body", $"expected {theirs!.ToJsonString()}\n   got {ours?.ToJsonString()}"));
        }
        else if (expected["text"]?.GetValue<string>() is { } text && Normalize(body, variables) != text)
        {
            found.Add(("body", $"expected text '{text}', got '{body}'"));
        }
        return found;
    }

    static string? HeaderValue(HttpResponseMessage response, string header)
    {
        if (response.Headers.TryGetValues(header, out var values) || response.Content.Headers.TryGetValues(header, out values))
            return string.Join(", ", values);
        return null;
    }

    static JsonNode? NormalizeBody(JsonNode? node, Dictionary<string, string> variables)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    if (key == "request_id" && value is JsonValue)
                        obj[key] = "<request_id>";
                    else if (key == "detail" && value is JsonValue detail && detail.TryGetValue<string>(out var text))
                        obj[key] = PythonWordingRemoved(Normalize(text, variables));
                    else if (key is "traits" or "aggregates" && value is JsonArray unordered)
                        obj[key] = new JsonArray(unordered.Select(v => NormalizeBody(v?.DeepClone(), variables))
                            .OrderBy(v => v?.ToJsonString(), StringComparer.Ordinal).ToArray());
                    else
                        obj[key] = NormalizeBody(value?.DeepClone(), variables);
                }
                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                    array[i] = NormalizeBody(array[i]?.DeepClone(), variables);
                return array;
            case JsonValue value when value.TryGetValue<string>(out var s):
                return JsonValue.Create(Normalize(s, variables));
            default:
                return node;
        }
    }

    static string PythonWordingRemoved(string detail)
    {
        if (detail.Contains("JSON does not validate: ") || detail.Contains("Invalid query string parameters: "))
        {
            var dump = detail.IndexOf("  Failed validating", StringComparison.Ordinal);
            return (dump >= 0 ? detail[..dump] : detail).TrimEnd();
        }
        var malformed = detail.IndexOf("Malformed JSON:", StringComparison.Ordinal);
        return malformed >= 0 ? detail[..(malformed + "Malformed JSON:".Length)] : detail;
    }

    static string Substitute(string text, Dictionary<string, string> variables) =>
        variables.Aggregate(text, (t, v) => t.Replace("{{" + v.Key + "}}", v.Value));

    static string Normalize(string text, Dictionary<string, string> variables) =>
        variables.Aggregate(text, (t, v) => t.Replace(v.Value, "{{" + v.Key + "}}"));
}
