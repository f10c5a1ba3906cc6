using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Api.Http;

/// <summary>
/// Reads <c>X-Auth-Token</c> into a <see cref="Caller"/> for the request, or none. Whether a caller is required,
/// and how a 401 reads, is each API family's business (their gates), because each family answers in its own format.
/// </summary>
public sealed class Authentication(RequestDelegate next, IOptionsMonitor<AuthOptions> options)
{
    public Task InvokeAsync(HttpContext http)
    {
        if (http.Request.Headers.TryGetValue("X-Auth-Token", out var token) && !string.IsNullOrEmpty(token))
            http.Items[typeof(Caller)] = Resolve(token.ToString(), http.Request.Headers["X-Roles"].ToString(), options.CurrentValue);
        return next(http);
    }

    static Caller? Resolve(string token, string rolesHeader, AuthOptions options)
    {
        if (options.Mode == "tokens")
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
            var entry = options.Tokens.FirstOrDefault(t => CryptographicOperations.FixedTimeEquals(
                Encoding.ASCII.GetBytes(t.Hash.ToLowerInvariant()), Encoding.ASCII.GetBytes(hash)));
            return entry is null ? null : new Caller(entry.User, entry.Project, Split(entry.Roles));
        }

        // noauth, as Placement's noauth2: "user:project" ("user" alone: project = user); X-Roles, when sent, gives
        // the roles; otherwise the user named admin is the admin.
        var separator = token.IndexOf(':');
        var user = separator < 0 ? token : token[..separator];
        var project = separator < 0 || separator == token.Length - 1 ? user : token[(separator + 1)..];
        IReadOnlyList<string> roles = rolesHeader.Length > 0 ? Split(rolesHeader) : user == "admin" ? ["admin"] : [];
        return new Caller(user, project, roles);
    }

    static List<string> Split(string roles) =>
        roles.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
}
