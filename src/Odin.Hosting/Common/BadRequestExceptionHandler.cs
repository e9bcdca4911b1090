using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace Odin.Hosting.Common;

/// <summary>
/// Turns what ASP.NET Core throws for unreadable requests (malformed JSON, a value of the wrong type, a body over
/// the size limit) into problem details with the status it carries (400, 413) and a message saying what was
/// wrong — where in the JSON, and what that field takes — never the name of a type of ours.
/// </summary>
internal sealed class BadRequestExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad || httpContext.Response.HasStarted)
        {
            return false;
        }

        var (title, detail) = bad.StatusCode == StatusCodes.Status413PayloadTooLarge
            ? ("Too large", bad.Message)
            : ("Invalid request", Describe(bad.InnerException));
        await Problems.Write(httpContext, bad.StatusCode, title, detail);
        return true;
    }

    private static string Describe(Exception? inner) => inner switch
    {
        JsonException { Path: { Length: > 1 } path } => $"The JSON body is malformed or has a value of the wrong type or format at {path}.{Hint(path)}",
        JsonException => "The body is not valid JSON.",
        _ => "The request could not be read: send a JSON body (Content-Type: application/json) as docs/api.md describes.",
    };

    /// <summary>What the fields that are easy to get wrong take.</summary>
    private static string Hint(string path)
    {
        var field = path[(path.LastIndexOf('.') + 1)..].TrimEnd(']').Split('[')[0];
        return field switch
        {
            "content" => " content is base64 text.",
            "metadata" => " metadata is a JSON object.",
            "driveId" or "fileId" or "deviceId" or "transferId" or "drives" or "driveIds" => " Ids are GUIDs.",
            "permission" => " permission is read or write.",
            _ => "",
        };
    }
}
