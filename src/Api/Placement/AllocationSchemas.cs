using Api.Http;

namespace Api.Placement;

/// <summary>Placement 8.0's allocation schemas (placement/schemas/allocation.py), in its key order, per microversion.</summary>
public static class AllocationSchemas
{
    const string Resources = """
        {"type": "object", "minProperties": 1,
         "patternProperties": {"^[A-Z0-9_]+$": {"type": "integer", "minimum": 1}}, "additionalProperties": false}
        """;

    const string ListFormat = """
        {"type": "object",
         "properties": {"allocations": {"type": "array", "minItems": 1, "items": {"type": "object",
           "properties": {"resource_provider": {"type": "object", "properties": {"uuid": {"type": "string", "format": "uuid"}},
                                                "additionalProperties": false, "required": ["uuid"]},
                          "resources": RESOURCES},
           "required": ["resource_provider", "resources"], "additionalProperties": false}}
           PROJECT_USER},
         "required": ["allocations"REQUIRED_PROJECT_USER], "additionalProperties": false}
        """;

    const string ProjectUser = """
        , "project_id": {"type": "string", "minLength": 1, "maxLength": 255},
          "user_id": {"type": "string", "minLength": 1, "maxLength": 255}
        """;

    // The dict format (1.12); MIN is 1 for PUT before 1.28, 0 where empty allocations delete (1.28, POST).
    const string DictFormat = """
        {"type": "object",
         "properties": {
           "allocations": {"type": "object", "minProperties": MIN,
             "patternProperties": {"^[0-9a-fA-F-]{36}$": {"type": "object",
               "properties": {"generation": {"type": "integer"}, "resources": RESOURCES},
               "required": ["resources"], "additionalProperties": false}},
             "additionalProperties": false},
           "project_id": {"type": "string", "minLength": 1, "maxLength": 255},
           "user_id": {"type": "string", "minLength": 1, "maxLength": 255}
           EXTRA},
         "additionalProperties": false,
         "required": ["allocations", "project_id", "user_id"REQUIRED_EXTRA]}
        """;

    const string Generation = """, "consumer_generation": {"type": ["integer", "null"], "additionalProperties": false}""";
    const string Mappings = """
        , "mappings": {"type": "object", "minProperties": 1,
            "patternProperties": {"^[a-zA-Z0-9_-]{1,64}$": {"type": "array", "minItems": 1, "items": {"type": "string", "format": "uuid"}}}}
        """;
    const string ConsumerType = """, "consumer_type": {"type": "string", "pattern": "^[A-Z0-9_]+$", "minLength": 1, "maxLength": 255}""";

    static string List(bool projectUser) => ListFormat.Replace("RESOURCES", Resources)
        .Replace("REQUIRED_PROJECT_USER", projectUser ? """, "project_id", "user_id" """ : "")
        .Replace("PROJECT_USER", projectUser ? ProjectUser : "");

    /// <summary>One consumer's dict-format body at a version.</summary>
    public static string Dict(int minProperties, PlacementVersion version)
    {
        var extra = "";
        var required = "";
        if (version.AtLeast(28)) { extra += Generation; required += """, "consumer_generation" """; }
        if (version.AtLeast(34)) extra += Mappings;
        if (version.AtLeast(38)) { extra += ConsumerType; required += """, "consumer_type" """; }
        return DictFormat.Replace("RESOURCES", Resources).Replace("MIN", minProperties.ToString())
            .Replace("REQUIRED_EXTRA", required).Replace("EXTRA", extra);
    }

    static readonly Dictionary<string, JsonSchema> Cache = new();

    static JsonSchema Cached(string key, Func<string> text)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(key, out var schema))
                Cache[key] = schema = JsonSchema.Parse(text());
            return schema;
        }
    }

    public static JsonSchema ForPut(PlacementVersion version)
    {
        if (!version.AtLeast(8)) return Cached("put-1.0", () => List(false));
        if (!version.AtLeast(12)) return Cached("put-1.8", () => List(true));
        var key = !version.AtLeast(28) ? "1.12" : !version.AtLeast(34) ? "1.28" : !version.AtLeast(38) ? "1.34" : "1.38";
        return Cached($"put-{key}", () => Dict(version.AtLeast(28) ? 0 : 1, version));
    }

    /// <summary>POST /allocations: <c>{consumer uuid: one consumer's dict-format body}</c>, at least one consumer.</summary>
    public static JsonSchema ForPost(PlacementVersion version)
    {
        var key = !version.AtLeast(28) ? "1.13" : !version.AtLeast(34) ? "1.28" : !version.AtLeast(38) ? "1.34" : "1.38";
        return Cached($"post-{key}", () => Consumers(1, Dict(0, version)));
    }

    /// <summary>The allocations part of a reshaper body: like POST's, but may be empty.</summary>
    public static string ForReshaper(PlacementVersion version) =>
        Consumers(0, Dict(0, version.AtLeast(34) ? version : new PlacementVersion(1, 28)));

    static string Consumers(int minProperties, string consumer) =>
        "{\"type\": \"object\", \"minProperties\": " + minProperties + ", \"additionalProperties\": false, " +
        "\"patternProperties\": {\"^[0-9a-fA-F-]{36}$\": " + consumer + "}}";
}
