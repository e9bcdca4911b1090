namespace Odin.Hosting.Common;

/// <summary>RFC 7807 problem details, the shape of every error this API returns.</summary>
internal static class Problems
{
    public static Task Write(HttpContext context, int status, string title, string detail) =>
        Results.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(context);

    public static IResult Result(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);

    public static IResult BadRequest(string detail) => Result(StatusCodes.Status400BadRequest, "Invalid request", detail);

    public static IResult NotFound(string detail) => Result(StatusCodes.Status404NotFound, "Not found", detail);

    public static IResult Conflict(string detail) => Result(StatusCodes.Status409Conflict, "Conflict", detail);

    public static IResult Forbidden(string detail) => Result(StatusCodes.Status403Forbidden, "Forbidden", detail);
}
