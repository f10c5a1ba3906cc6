using System.Globalization;

namespace Api.Http;

/// <summary>A Placement microversion (1.0 to 1.39), negotiated from <c>OpenStack-API-Version</c>.</summary>
public readonly record struct PlacementVersion(int Major, int Minor) : IComparable<PlacementVersion>
{
    public static readonly PlacementVersion Min = new(1, 0);
    public static readonly PlacementVersion Max = new(1, 39);

    public bool AtLeast(int minor) => CompareTo(new PlacementVersion(1, minor)) >= 0;

    public int CompareTo(PlacementVersion other) => (Major, Minor).CompareTo((other.Major, other.Minor));

    public override string ToString() => $"{Major}.{Minor}";

    public static PlacementVersion Of(HttpContext http) => (PlacementVersion)http.Items[typeof(PlacementVersion)]!;

    /// <summary>
    /// The negotiation of Python's <c>microversion_parse</c>: the last <c>placement X.Y</c> among the header's
    /// comma-separated values wins; none is the minimum; <c>latest</c> is the maximum. A string that is not two
    /// integers is a 400 (<paramref name="badRequest"/>); a version outside the list is a 406 (<paramref name="unacceptable"/>).
    /// </summary>
    public static PlacementVersion? Negotiate(IEnumerable<string?> headerValues, out string? badRequest, out string? unacceptable)
    {
        badRequest = unacceptable = null;
        var requested = Requested(headerValues) ?? Min.ToString();
        if (requested == "latest")
            requested = Max.ToString();

        // Python converts each part with int() before it builds the (major, minor) pair.
        var parts = requested.Split('.', 2);
        foreach (var part in parts)
        {
            if (!TryPythonInt(part, out _))
            {
                badRequest = $"invalid version string: {requested}; invalid literal for int() with base 10: {PythonRepr.Of(part)}";
                return null;
            }
        }
        if (parts.Length < 2)
        {
            badRequest = $"invalid version string: {requested}; Version.__new__() missing 1 required positional argument: 'minor'";
            return null;
        }
        TryPythonInt(parts[0], out var major);
        TryPythonInt(parts[1], out var minor);
        var version = new PlacementVersion(major, minor);
        if (version.CompareTo(Min) < 0 || version.CompareTo(Max) > 0)
        {
            unacceptable = $"Unacceptable version header: {requested}";
            return null;
        }
        return version;
    }

    static string? Requested(IEnumerable<string?> headerValues)
    {
        var folded = string.Join(",", headerValues.Where(v => v is not null));
        if (folded.Length == 0)
            return null;
        foreach (var value in folded.Split(',').Reverse())
        {
            var words = value.Trim().Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 2 && words[0].Equals("placement", StringComparison.OrdinalIgnoreCase))
                return words[1].Trim();
        }
        return null;
    }

    // Python's int(): surrounding whitespace, an optional sign, digits with single underscores between them.
    static bool TryPythonInt(string text, out int value)
    {
        var s = text.Trim();
        value = 0;
        if (s.Length == 0 || s.StartsWith('_') || s.EndsWith('_') || s.Contains("__"))
            return false;
        var digits = s.TrimStart('+', '-');
        if (digits.Length == 0 || digits.Length < s.Length - 1 || digits.StartsWith('_'))
            return false;
        return int.TryParse(s.Replace("_", ""), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }
}
