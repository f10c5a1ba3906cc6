using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Api.Http;

/// <summary>
/// Writes a JSON value the way Python's <c>repr()</c> shows the decoded value (<c>'a'</c>, <c>None</c>, <c>True</c>,
/// <c>{'k': 1}</c>): OpenStack services built on Python quote request values in their error messages like this,
/// and clients and tests compare those messages.
/// </summary>
public static class PythonRepr
{
    public static string Of(JsonElement value)
    {
        var text = new StringBuilder();
        Write(text, value);
        return text.ToString();
    }

    public static string Of(string value)
    {
        var text = new StringBuilder();
        WriteString(text, value);
        return text.ToString();
    }

    static void Write(StringBuilder text, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String: WriteString(text, value.GetString()!); break;
            case JsonValueKind.True: text.Append("True"); break;
            case JsonValueKind.False: text.Append("False"); break;
            case JsonValueKind.Null: text.Append("None"); break;
            case JsonValueKind.Number: text.Append(Number(value)); break;
            case JsonValueKind.Array:
                text.Append('[');
                var first = true;
                foreach (var item in value.EnumerateArray())
                {
                    if (!first) text.Append(", ");
                    first = false;
                    Write(text, item);
                }
                text.Append(']');
                break;
            case JsonValueKind.Object:
                text.Append('{');
                first = true;
                foreach (var property in value.EnumerateObject())
                {
                    if (!first) text.Append(", ");
                    first = false;
                    WriteString(text, property.Name);
                    text.Append(": ");
                    Write(text, property.Value);
                }
                text.Append('}');
                break;
        }
    }

    // Python keeps integers exact and prints floats with repr's shortest round-trip form.
    static string Number(JsonElement value)
    {
        var raw = value.GetRawText();
        if (!raw.Contains('.') && !raw.Contains('e') && !raw.Contains('E'))
            return raw.TrimStart('+');
        var d = value.GetDouble();
        if (double.IsInfinity(d)) return d > 0 ? "inf" : "-inf";
        var r = d.ToString("R", CultureInfo.InvariantCulture);
        if (r.Contains('E'))
        {
            // 1E+20 -> 1e+20, 1E-07 -> 1e-07
            var parts = r.Split('E');
            var exponent = int.Parse(parts[1], CultureInfo.InvariantCulture);
            return $"{parts[0]}e{(exponent < 0 ? "-" : "+")}{Math.Abs(exponent):00}";
        }
        return r.Contains('.') ? r : r + ".0";
    }

    static void WriteString(StringBuilder text, string value)
    {
        var quote = value.Contains('\'') && !value.Contains('"') ? '"' : '\'';
        text.Append(quote);
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default:
                    if (c == quote) text.Append('\\').Append(c);
                    else if (c < 0x20 || c == 0x7f) text.Append($"\\x{(int)c:x2}");
                    else text.Append(c);
                    break;
            }
        }
        text.Append(quote);
    }
}
