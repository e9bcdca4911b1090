using Microsoft.AspNetCore.Diagnostics;

namespace Odin.Hosting.Common;

/// <summary>
/// Turns what ASP.NET Core throws for unreadable requests (malformed JSON, a body over the size limit)
/// into problem details with the status it carries (400, 413) and a message saying what was wrong.
/// </summary>
internal sealed class BadRequestExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad || httpContext.Response.HasStarted)
        {
            return false;
        }

        var title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Too large" : "Invalid request";
        await Problems.Write(httpContext, bad.StatusCode, title, bad.InnerException is { } inner ? $"{bad.Message} {inner.Message}" : bad.Message);
        return true;
    }
}
