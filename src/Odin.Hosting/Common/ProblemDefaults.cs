using Microsoft.AspNetCore.Http.Features;

namespace Odin.Hosting.Common;

/// <summary>
/// Every problem this server writes has a <c>type</c> and a <c>detail</c>, including the ones ASP.NET Core writes
/// itself (no endpoint, wrong method, wrong media type, a body over the limit) and statuses it has no type for
/// (428, 429). The detail never echoes the request.
/// </summary>
internal static class ProblemDefaults
{
    public static void Apply(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        problem.Type ??= status switch
        {
            StatusCodes.Status428PreconditionRequired => "https://tools.ietf.org/html/rfc6585#section-3",
            StatusCodes.Status429TooManyRequests => "https://tools.ietf.org/html/rfc6585#section-4",
            _ => "about:blank",
        };
        problem.Detail ??= status switch
        {
            StatusCodes.Status404NotFound => "There is no such endpoint. The API is described at /openapi/v1.json.",
            StatusCodes.Status405MethodNotAllowed => "This endpoint does not take that method. The API is described at /openapi/v1.json.",
            StatusCodes.Status415UnsupportedMediaType => "Send the body as application/json (or, for raw content upload, application/octet-stream).",
            StatusCodes.Status413PayloadTooLarge => BodyLimit(context.HttpContext),
            StatusCodes.Status400BadRequest => "The request could not be read.",
            _ => problem.Title,
        };
    }

    private static string BodyLimit(HttpContext context) =>
        context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize is { } limit
            ? $"The request body is larger than this server takes ({limit} bytes)."
            : "The request body is larger than this server takes.";
}
