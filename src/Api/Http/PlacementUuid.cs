namespace Api.Http;

/// <summary>
/// UUIDs as OpenStack's <c>uuidutils.is_uuid_like</c> reads them: 32 hex digits, with or without dashes, braces or
/// a <c>urn:uuid:</c> prefix, any case.
/// </summary>
public static class PlacementUuid
{
    public static bool IsUuidLike(string value) => TryParse(value, out _);

    public static bool TryParse(string? value, out Guid uuid)
    {
        uuid = default;
        if (value is null)
            return false;
        var hex = value.Replace("urn:", "").Replace("uuid:", "").Trim('{', '}').Replace("-", "");
        return hex.Length == 32 && hex.All(Uri.IsHexDigit) && Guid.TryParseExact(hex, "N", out uuid);
    }

    /// <summary>A path segment names a provider only in the canonical form Placement stores (lower case, dashed).</summary>
    public static bool TryParseCanonical(string value, out Guid uuid) =>
        Guid.TryParseExact(value, "D", out uuid) && uuid.ToString("D") == value;
}
