using System.Text.Json;
using System.Text.RegularExpressions;

namespace Api.Http;

/// <summary>
/// Validates request bodies and query strings against the OpenStack services' JSON schemas and reports the one
/// error Python's <c>jsonschema</c> (4.10, <c>validate()</c> with <c>best_match</c>) would report, in its words:
/// clients see the same message from us as from the service they were written for.
/// Supports the keywords those schemas use; schema key order matters, as it does in Python.
/// </summary>
public sealed class JsonSchema
{
    readonly JsonElement root;

    JsonSchema(JsonElement root) => this.root = root;

    public static JsonSchema Parse(string json) => new(JsonDocument.Parse(json).RootElement.Clone());

    /// <summary>The best-matching error message, or null when the instance is valid.</summary>
    public string? Validate(JsonElement instance)
    {
        var errors = Errors(instance, root, 0).ToList();
        if (errors.Count == 0)
            return null;
        var best = errors.MaxBy(Relevance)!; // MaxBy keeps the first of equals, as Python's max() does
        while (best.Context.Count > 0)
        {
            var smallest = best.Context.OrderBy(Relevance).Take(2).ToList(); // stable, like heapq.nsmallest
            if (smallest.Count == 2 && Relevance(smallest[0]).Equals(Relevance(smallest[1])))
                return best.Message;
            best = smallest[0];
        }
        return best.Message;
    }

    sealed record Error(string Keyword, int Depth, string Message, JsonElement Schema, JsonElement Instance, List<Error> Context);

    static (int, bool, bool, bool) Relevance(Error e) =>
        (-e.Depth, e.Keyword is not ("anyOf" or "oneOf"), false, !MatchesOwnType(e));

    static bool MatchesOwnType(Error e) =>
        e.Schema.ValueKind == JsonValueKind.Object && e.Schema.TryGetProperty("type", out var type) && IsType(e.Instance, type);

    static IEnumerable<Error> Errors(JsonElement instance, JsonElement schema, int depth)
    {
        if (schema.ValueKind == JsonValueKind.False)
        {
            yield return new("false", depth, $"False schema does not allow {PythonRepr.Of(instance)}", schema, instance, []);
            yield break;
        }
        if (schema.ValueKind != JsonValueKind.Object)
            yield break;

        foreach (var keyword in schema.EnumerateObject())
        {
            var v = keyword.Value;
            Error Fail(string message, List<Error>? context = null) => new(keyword.Name, depth, message, schema, instance, context ?? []);
            switch (keyword.Name)
            {
                case "type":
                    if (!IsType(instance, v))
                        yield return Fail($"{PythonRepr.Of(instance)} is not of type {TypeNames(v)}");
                    break;
                case "properties" when instance.ValueKind == JsonValueKind.Object:
                    foreach (var property in v.EnumerateObject())
                        if (instance.TryGetProperty(property.Name, out var value))
                            foreach (var e in Errors(value, property.Value, depth + 1))
                                yield return e;
                    break;
                case "patternProperties" when instance.ValueKind == JsonValueKind.Object:
                    foreach (var pattern in v.EnumerateObject())
                        foreach (var property in instance.EnumerateObject())
                            if (Regex.IsMatch(property.Name, pattern.Name))
                                foreach (var e in Errors(property.Value, pattern.Value, depth + 1))
                                    yield return e;
                    break;
                case "required" when instance.ValueKind == JsonValueKind.Object:
                    foreach (var name in v.EnumerateArray())
                        if (!instance.TryGetProperty(name.GetString()!, out _))
                            yield return Fail($"{PythonRepr.Of(name)} is a required property");
                    break;
                case "additionalProperties" when instance.ValueKind == JsonValueKind.Object:
                    var extras = Additional(instance, schema).ToList();
                    if (v.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var extra in extras)
                            foreach (var e in Errors(instance.GetProperty(extra), v, depth + 1))
                                yield return e;
                    }
                    else if (v.ValueKind == JsonValueKind.False && extras.Count > 0)
                    {
                        var names = string.Join(", ", extras.Select(PythonRepr.Of));
                        if (schema.TryGetProperty("patternProperties", out var patterns))
                        {
                            var regexes = string.Join(", ", patterns.EnumerateObject().Select(p => PythonRepr.Of(p.Name)).Order(StringComparer.Ordinal));
                            yield return Fail($"{names} {(extras.Count == 1 ? "does" : "do")} not match any of the regexes: {regexes}");
                        }
                        else
                        {
                            yield return Fail($"Additional properties are not allowed ({names} {(extras.Count == 1 ? "was" : "were")} unexpected)");
                        }
                    }
                    break;
                case "minProperties" when instance.ValueKind == JsonValueKind.Object:
                    if (instance.EnumerateObject().Count() < v.GetInt32())
                        yield return Fail($"{PythonRepr.Of(instance)} does not have enough properties");
                    break;
                case "maxProperties" when instance.ValueKind == JsonValueKind.Object:
                    if (instance.EnumerateObject().Count() > v.GetInt32())
                        yield return Fail($"{PythonRepr.Of(instance)} has too many properties");
                    break;
                case "items" when instance.ValueKind == JsonValueKind.Array:
                    foreach (var item in instance.EnumerateArray())
                        foreach (var e in Errors(item, v, depth + 1))
                            yield return e;
                    break;
                case "minItems" when instance.ValueKind == JsonValueKind.Array:
                    if (instance.GetArrayLength() < v.GetInt32())
                        yield return Fail($"{PythonRepr.Of(instance)} is too short");
                    break;
                case "maxItems" when instance.ValueKind == JsonValueKind.Array:
                    if (instance.GetArrayLength() > v.GetInt32())
                        yield return Fail($"{PythonRepr.Of(instance)} is too long");
                    break;
                case "uniqueItems" when instance.ValueKind == JsonValueKind.Array && v.ValueKind == JsonValueKind.True:
                    var items = instance.EnumerateArray().Select(i => i.GetRawText()).ToList();
                    if (items.Distinct().Count() != items.Count)
                        yield return Fail($"{PythonRepr.Of(instance)} has non-unique elements");
                    break;
                case "minLength" when instance.ValueKind == JsonValueKind.String:
                    if (CodePoints(instance.GetString()!) < v.GetInt32())
                        yield return Fail($"{PythonRepr.Of(instance)} is too short");
                    break;
                case "maxLength" when instance.ValueKind == JsonValueKind.String:
                    if (CodePoints(instance.GetString()!) > v.GetInt32())
                        yield return Fail($"{PythonRepr.Of(instance)} is too long");
                    break;
                case "pattern" when instance.ValueKind == JsonValueKind.String:
                    if (!Regex.IsMatch(instance.GetString()!, v.GetString()!))
                        yield return Fail($"{PythonRepr.Of(instance)} does not match {PythonRepr.Of(v)}");
                    break;
                case "format" when instance.ValueKind == JsonValueKind.String:
                    if (v.GetString() == "uuid" && !PlacementUuid.IsUuidLike(instance.GetString()!))
                        yield return Fail($"{PythonRepr.Of(instance)} is not a 'uuid'");
                    break;
                case "enum":
                    if (!v.EnumerateArray().Any(option => JsonEquals(option, instance)))
                        yield return Fail($"{PythonRepr.Of(instance)} is not one of {PythonRepr.Of(v)}");
                    break;
                case "minimum" when IsNumber(instance):
                    if (instance.GetDouble() < v.GetDouble())
                        yield return Fail($"{PythonRepr.Of(instance)} is less than the minimum of {PythonRepr.Of(v)}");
                    break;
                case "maximum" when IsNumber(instance):
                    if (instance.GetDouble() > v.GetDouble())
                        yield return Fail($"{PythonRepr.Of(instance)} is greater than the maximum of {PythonRepr.Of(v)}");
                    break;
                case "anyOf":
                {
                    var context = new List<Error>();
                    var valid = false;
                    foreach (var option in v.EnumerateArray())
                    {
                        var optionErrors = Errors(instance, option, 0).ToList();
                        if (optionErrors.Count == 0) { valid = true; break; }
                        context.AddRange(optionErrors);
                    }
                    if (!valid)
                        yield return Fail($"{PythonRepr.Of(instance)} is not valid under any of the given schemas", context);
                    break;
                }
                case "oneOf":
                {
                    var context = new List<Error>();
                    var matches = new List<JsonElement>();
                    foreach (var option in v.EnumerateArray())
                    {
                        var optionErrors = Errors(instance, option, 0).ToList();
                        if (optionErrors.Count == 0) matches.Add(option);
                        else context.AddRange(optionErrors);
                    }
                    if (matches.Count == 0)
                        yield return Fail($"{PythonRepr.Of(instance)} is not valid under any of the given schemas", context);
                    else if (matches.Count > 1)
                        yield return Fail($"{PythonRepr.Of(instance)} is valid under each of {string.Join(", ", matches.Select(PythonRepr.Of))}");
                    break;
                }
            }
        }
    }

    static IEnumerable<string> Additional(JsonElement instance, JsonElement schema)
    {
        var declared = schema.TryGetProperty("properties", out var properties) ? properties : default;
        var patterns = schema.TryGetProperty("patternProperties", out var p) ? p.EnumerateObject().Select(x => x.Name).ToList() : [];
        foreach (var property in instance.EnumerateObject())
        {
            if (declared.ValueKind == JsonValueKind.Object && declared.TryGetProperty(property.Name, out _))
                continue;
            if (patterns.Any(pattern => Regex.IsMatch(property.Name, pattern)))
                continue;
            yield return property.Name;
        }
    }

    static bool IsType(JsonElement instance, JsonElement type) => type.ValueKind == JsonValueKind.Array
        ? type.EnumerateArray().Any(t => IsType(instance, t.GetString()!))
        : IsType(instance, type.GetString()!);

    static bool IsType(JsonElement instance, string type) => type switch
    {
        "object" => instance.ValueKind == JsonValueKind.Object,
        "array" => instance.ValueKind == JsonValueKind.Array,
        "string" => instance.ValueKind == JsonValueKind.String,
        "boolean" => instance.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => instance.ValueKind == JsonValueKind.Null,
        "number" => IsNumber(instance),
        // Python's jsonschema counts 1.0 as an integer (draft 4 and later).
        "integer" => IsNumber(instance) && (instance.TryGetInt64(out _) || Math.Floor(instance.GetDouble()) == instance.GetDouble()),
        _ => false,
    };

    static bool IsNumber(JsonElement instance) => instance.ValueKind == JsonValueKind.Number;

    static string TypeNames(JsonElement type) => type.ValueKind == JsonValueKind.Array
        ? string.Join(", ", type.EnumerateArray().Select(PythonRepr.Of))
        : PythonRepr.Of(type);

    static int CodePoints(string s) => s.EnumerateRunes().Count();

    static bool JsonEquals(JsonElement a, JsonElement b) => a.ValueKind == b.ValueKind && a.ValueKind switch
    {
        JsonValueKind.Number => a.GetDouble() == b.GetDouble(),
        JsonValueKind.String => a.GetString() == b.GetString(),
        _ => a.GetRawText() == b.GetRawText(),
    };
}
