using System.Text.Json;

namespace Api.Http;

/// <summary>
/// Placement's error body, <c>{"errors": [{"status", "title", "detail", "code", "request_id"}]}</c>, with the
/// detail text laid out as WebOb lays it out (explanation, blank line, detail) and <c>code</c> from 1.23 on.
/// </summary>
public static class PlacementErrors
{
    public const string ContentType = "application/json";

    public static IResult Error(int status, string detail, string code = "placement.undefined_code") =>
        new PlacementError(status, detail, code, null);

    public static IResult NotFound(string detail) => Error(404, detail);

    /// <summary>A worker's answer that is a Placement error.</summary>
    public static IResult Problem(HttpContext http, Contracts.Placement.PlacementProblem problem)
    {
        if (problem.WithoutVary)
            SuppressVary(http);
        return Error(problem.Status, problem.Detail, problem.Code);
    }

    public static IResult BadRequest(string detail) => Error(400, detail);

    public static IResult Forbidden(HttpContext http, string action)
    {
        SuppressVary(http); // raised outside the handler in Placement, so the microversion layer adds no Vary
        return Error(403, $"Policy does not allow {action} to be performed.");
    }

    /// <summary>Errors that Placement raises before its handlers run carry only the version header, not Vary.</summary>
    public static void SuppressVary(HttpContext http) => http.Items["placement.no-vary"] = true;

    public static bool VarySuppressed(HttpContext http) => http.Items.ContainsKey("placement.no-vary");

    public static string Title(int status) => status switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        409 => "Conflict",
        413 => "Request Entity Too Large",
        415 => "Unsupported Media Type",
        503 => "Service Unavailable",
        _ => "Error",
    };

    static string Explained(HttpContext http, int status, string detail) => status switch
    {
        400 => $"The server could not comply with the request since it is either malformed or otherwise incorrect.\n\n {detail}  ",
        403 => $"Access was denied to this resource.\n\n {detail}  ",
        404 => $"The resource could not be found.\n\n {detail}  ",
        405 => $"The method {http.Request.Method} is not allowed for this resource. \n\n {detail}",
        406 => $"The resource could not be generated that was acceptable to your browser (content of type {AcceptedType(http)}. \n\n {detail}",
        409 => $"There was a conflict when trying to complete your request.\n\n {detail}  ",
        413 => $"The request is larger than the server is willing or able to process.\n\n {detail}  ",
        415 => $"The request media type {http.Request.ContentType} is not supported by this server. \n\n {detail}",
        503 => $"The server is currently unavailable. Please try again at a later time.\n\n {detail}  ",
        _ => detail,
    };

    static string AcceptedType(HttpContext http)
    {
        var accept = http.Request.Headers.Accept.ToString();
        return accept.Length == 0 || accept == "*/*" ? "application/json" : accept;
    }

    /// <param name="VersionRange">Only a failed negotiation (406) tells the client which versions exist.</param>
    sealed record PlacementError(int Status, string Detail, string Code, (string Min, string Max)? VersionRange) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            var error = new Dictionary<string, object>
            {
                ["status"] = Status,
                ["title"] = Title(Status),
                ["detail"] = Explained(http, Status, Detail),
            };
            if (http.Items[typeof(PlacementVersion)] is PlacementVersion version && version.AtLeast(23))
                error["code"] = Code;
            error["request_id"] = http.TraceIdentifier;
            if (VersionRange is { } range)
            {
                error["max_version"] = range.Max;
                error["min_version"] = range.Min;
            }
            http.Response.StatusCode = Status;
            http.Response.ContentType = ContentType;
            await JsonSerializer.SerializeAsync(http.Response.Body, new { errors = new[] { error } }, cancellationToken: http.RequestAborted);
        }
    }

    public static IResult Unacceptable(string detail) =>
        new PlacementError(406, detail, "placement.undefined_code", (PlacementVersion.Min.ToString(), PlacementVersion.Max.ToString()));

    /// <summary>
    /// Placement's 401 is WebOb's own JSON rendering, not Placement's error body: it is raised before Placement's
    /// error formatter is in place.
    /// </summary>
    public static async Task WriteUnauthorized(HttpContext http)
    {
        http.Response.StatusCode = 401;
        http.Response.ContentType = ContentType;
        await JsonSerializer.SerializeAsync(http.Response.Body, new
        {
            code = "401 Unauthorized",
            message = "This server could not verify that you are authorized to access the document you requested. Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required.<br /><br />\n\n\n",
            title = "Unauthorized",
        });
    }
}
