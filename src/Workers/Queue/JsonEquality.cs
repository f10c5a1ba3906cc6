using System.Text.Json;

namespace Workers.Queue;

/// <summary>
/// Equality of JSON values as JSON, not as bytes: object members in any order, numbers by value (<c>1</c>,
/// <c>1.0</c> and <c>1e0</c> are equal), strings after unescaping.
/// </summary>
public static class JsonEquality
{
    public static bool Equal(JsonElement a, JsonElement b)
    {
        if (a.ValueKind != b.ValueKind)
            return false;
        switch (a.ValueKind)
        {
            case JsonValueKind.Object:
                var left = Members(a);
                var right = Members(b);
                return left.Count == right.Count
                       && left.All(m => right.TryGetValue(m.Key, out var other) && Equal(m.Value, other));
            case JsonValueKind.Array:
                return a.GetArrayLength() == b.GetArrayLength()
                       && a.EnumerateArray().Zip(b.EnumerateArray()).All(pair => Equal(pair.First, pair.Second));
            case JsonValueKind.String:
                return a.GetString() == b.GetString();
            case JsonValueKind.Number:
                return a.TryGetDecimal(out var x) && b.TryGetDecimal(out var y)
                    ? x == y
                    : a.GetDouble().Equals(b.GetDouble());
            default:
                return true; // true, false, null: the kind is the value
        }
    }

    // A repeated member counts once, with its last value, as JSON parsers commonly read it.
    static Dictionary<string, JsonElement> Members(JsonElement element)
    {
        var members = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var member in element.EnumerateObject())
            members[member.Name] = member.Value;
        return members;
    }
}
