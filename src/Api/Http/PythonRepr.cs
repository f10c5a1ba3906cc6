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
        return Float(value.GetDouble());
    }

    /// <summary>A float as Python's repr (and json.dumps) writes it: 1.0, 0.1, 1e+20, 3.40282e+38.</summary>
    public static string Float(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsInfinity(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return double.IsNegative(d) ? "-0.0" : "0.0";
        // The shortest round-trip digits, laid out by Python's rule: positional for exponents -4..15, else scientific.
        var shortest = Math.Abs(d).ToString("R", CultureInfo.InvariantCulture);
        var (digits, exponent) = Digits(shortest);
        var sign = d < 0 ? "-" : "";
        if (exponent < -4 || exponent >= 16)
        {
            var mantissa = digits.Length == 1 ? digits : $"{digits[0]}.{digits[1..]}";
            return $"{sign}{mantissa}e{(exponent < 0 ? "-" : "+")}{Math.Abs(exponent):00}";
        }
        if (exponent < 0)
            return $"{sign}0.{new string('0', -exponent - 1)}{digits}";
        if (digits.Length <= exponent + 1)
            return $"{sign}{digits}{new string('0', exponent + 1 - digits.Length)}.0";
        return $"{sign}{digits[..(exponent + 1)]}.{digits[(exponent + 1)..]}";
    }

    // "1.5E+20" or "0.001" -> significant digits "15" and the decimal exponent of the first digit (20, -3).
    static (string Digits, int Exponent) Digits(string shortest)
    {
        var exponent = 0;
        var e = shortest.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(shortest[(e + 1)..], CultureInfo.InvariantCulture);
            shortest = shortest[..e];
        }
        var dot = shortest.IndexOf('.');
        var integer = dot < 0 ? shortest : shortest[..dot];
        var fraction = dot < 0 ? "" : shortest[(dot + 1)..];
        var all = (integer + fraction).TrimStart('0');
        var leadingZeros = (integer + fraction).Length - all.Length;
        exponent += integer.Length - 1 - leadingZeros;
        all = all.TrimEnd('0');
        return (all.Length == 0 ? "0" : all, exponent);
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
