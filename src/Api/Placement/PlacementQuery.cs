using System.Globalization;
using Api.Http;
using Contracts.Placement;

namespace Api.Placement;

/// <summary>
/// Placement's query-string language for filters, parsed as its util module does (same rules, same messages):
/// <c>member_of</c>, <c>required</c> and <c>resources</c>. GET /resource_providers uses it now;
/// allocation candidates (with group suffixes) will use it too.
/// </summary>
public static class PlacementQuery
{
    /// <summary><c>member_of[suffix]</c>: a uuid, <c>in:a,b</c>, <c>!a</c>, <c>!in:a,b</c>; repeated from 1.24; <c>!</c> from 1.32.</summary>
    public static IResult? MemberOf(HttpContext http, string suffix, out List<IReadOnlyList<string>> required, out List<string> forbidden)
    {
        required = [];
        forbidden = [];
        var version = PlacementVersion.Of(http);
        var values = http.Request.Query["member_of" + suffix];
        if (!version.AtLeast(24) && values.Count > 1)
            return PlacementErrors.BadRequest($"Multiple member_of{suffix} parameters are not supported");
        foreach (var value in values.Select(v => v ?? ""))
        {
            if (value.Contains(',') && !(value.StartsWith("in:") || value.StartsWith("!in:")))
                return PlacementErrors.BadRequest(
                    $"Multiple values for 'member_of' must be prefixed with the 'in:' or '!in:' keyword using the valid microversion. Got: {value}");
            List<string> wanted = [], unwanted = [];
            if (value.StartsWith("!in:")) unwanted = Distinct(value[4..].Split(','));
            else if (value.StartsWith('!')) unwanted = [value[1..]];
            else if (value.StartsWith("in:")) wanted = Distinct(value[3..].Split(','));
            else wanted = [value];
            if (wanted.Concat(unwanted).FirstOrDefault(u => !PlacementUuid.IsUuidLike(u)) is { } bad)
                return PlacementErrors.BadRequest($"Invalid query string parameters: Expected 'member_of' parameter to contain valid UUID(s). Got: {bad}");
            if (wanted.Count > 0)
                required.Add(wanted);
            if (unwanted.Count > 0)
            {
                if (!version.AtLeast(32))
                    return PlacementErrors.BadRequest($"Forbidden member_of{suffix} parameters are not supported in the specified microversion");
                forbidden.AddRange(unwanted.Except(forbidden));
            }
        }
        return null;
    }

    /// <summary><c>required[suffix]</c>: trait names, <c>!T</c> forbidden from 1.22, <c>in:A,B</c> any-of and repetition from 1.39
    /// (before, only the last value counts).</summary>
    public static IResult? RequiredTraits(HttpContext http, string suffix, out List<IReadOnlyList<string>> required, out List<string> forbidden)
    {
        required = [];
        forbidden = [];
        var version = PlacementVersion.Of(http);
        var (allowForbidden, allowAnyOf) = (version.AtLeast(22), version.AtLeast(39));
        var values = http.Request.Query["required" + suffix].Select(v => v ?? "").ToList();
        if (!allowAnyOf)
            values = values.TakeLast(1).ToList();
        foreach (var value in values)
        {
            if (value.StartsWith("in:"))
            {
                if (!allowAnyOf)
                    return PlacementErrors.BadRequest(
                        $"Invalid query string parameters: The format 'in:HW_CPU_X86_VMX,CUSTOM_MAGIC' only supported since microversion 1.39. Got: {value}");
                var anyOf = Distinct(value[3..].Split(',').Select(t => t.Trim()));
                if (anyOf.Any(t => t.Length == 0))
                    return PlacementErrors.BadRequest(
                        $"Invalid query string parameters: Expected 'required' parameter value of the form: in:HW_CPU_X86_VMX,CUSTOM_MAGIC. Got an empty trait in: {value}");
                if (anyOf.Any(t => t.StartsWith('!')))
                    return PlacementErrors.BadRequest(
                        $"Invalid query string parameters: The format 'in:HW_CPU_X86_VMX,CUSTOM_MAGIC' does not support forbidden traits. Got: {value}");
                required.Add(anyOf);
                continue;
            }
            var all = value.Split(',').Select(t => t.Trim()).ToList();
            var unwanted = all.Where(t => t.StartsWith('!')).Select(t => t.TrimStart('!')).ToList();
            if (unwanted.Concat(all).Any(t => t.Length == 0))
                return PlacementErrors.BadRequest(
                    $"Invalid query string parameters: Expected 'required' parameter value of the form: {(allowForbidden ? "HW_CPU_X86_VMX,!CUSTOM_MAGIC" : "HW_CPU_X86_VMX,CUSTOM_MAGIC")}. Got an empty trait in: {value}");
            if (unwanted.Count > 0 && !allowForbidden)
                return PlacementErrors.BadRequest(
                    $"Invalid query string parameters: Expected 'required' parameter value of the form: HW_CPU_X86_VMX,CUSTOM_MAGIC. Got: {value}");
            required.AddRange(all.Where(t => !t.StartsWith('!')).Select(t => (IReadOnlyList<string>)[t]));
            forbidden.AddRange(unwanted.Except(forbidden));
        }
        return null;
    }

    /// <summary><c>resources=VCPU:2,MEMORY_MB:1024</c>; a class given twice keeps its last amount.</summary>
    public static IResult? Resources(string value, out List<ResourceAmount> amounts)
    {
        amounts = [];
        const string form = "?resources=VCPU:2,MEMORY_MB:1024";
        if (value.Trim().Length == 0)
            return PlacementErrors.BadRequest($"Badly formed resources parameter. Expected resources query string parameter in form: {form}. Got: empty string.");
        foreach (var item in value.Split(','))
        {
            var parts = item.Split(':');
            if (parts.Length != 2)
                return PlacementErrors.BadRequest($"Badly formed resources parameter. Expected resources query string parameter in form: {form}. Got: {item}.");
            var (name, text) = (parts[0], parts[1]);
            if (!TryPythonInt(text, out var amount))
                return PlacementErrors.BadRequest($"Requested resource {name} expected positive integer amount. Got: {text}.");
            if (amount < 1)
                return PlacementErrors.BadRequest($"Requested resource {name} requires amount >= 1. Got: {amount}.");
            var existing = amounts.FindIndex(a => a.ResourceClass == name);
            if (existing >= 0) amounts[existing] = new(name, amount);
            else amounts.Add(new(name, amount));
        }
        return null;
    }

    static List<string> Distinct(IEnumerable<string> values) => values.Distinct().ToList();

    // Python's int(): surrounding whitespace, a sign, digits with single underscores between them.
    static bool TryPythonInt(string text, out long value)
    {
        value = 0;
        var s = text.Trim();
        var body = s.TrimStart('+', '-');
        if (body.Length == 0 || s.Length - body.Length > 1 || body.StartsWith('_') || body.EndsWith('_') || body.Contains("__"))
            return false;
        return long.TryParse(s.Replace("_", ""), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }
}
