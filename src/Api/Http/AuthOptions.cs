using System.ComponentModel.DataAnnotations;

namespace Api.Http;

/// <summary>The <c>Auth</c> section.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>
    /// <c>noauth</c>: the token itself says <c>user:project</c> (development, like Placement's noauth2);
    /// <c>tokens</c>: only the tokens configured below, stored as SHA-256 hashes.
    /// </summary>
    [AllowedValues("noauth", "tokens")]
    public string Mode { get; set; } = "noauth";

    public List<TokenEntry> Tokens { get; set; } = [];

    public sealed class TokenEntry
    {
        /// <summary>Lower-case hex SHA-256 of the token's UTF-8 bytes.</summary>
        public string Hash { get; set; } = "";
        public string Project { get; set; } = "";
        public string User { get; set; } = "";
        /// <summary>Comma-separated: <c>admin</c>, <c>service</c>, <c>member</c>.</summary>
        public string Roles { get; set; } = "";
    }
}
