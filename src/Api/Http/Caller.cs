namespace Api.Http;

/// <summary>Who is calling, as the token says: an OpenStack user in a project, with roles.</summary>
public sealed record Caller(string User, string Project, IReadOnlyList<string> Roles)
{
    public bool IsAdmin => Roles.Contains("admin");

    /// <summary>Placement and the compute events are for admins and for other services only.</summary>
    public bool IsAdminOrService => IsAdmin || Roles.Contains("service");

    public static Caller? Of(HttpContext http) => http.Items[typeof(Caller)] as Caller;
}
