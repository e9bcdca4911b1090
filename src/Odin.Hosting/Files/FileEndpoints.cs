using System.Text.Json;
using Odin.Hosting.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Odin.Hosting.Auth;
using Odin.Hosting.Common;
using Odin.Hosting.Drives;
using Odin.Hosting.Temp;

namespace Odin.Hosting.Files;

/// <summary>Body of a file PUT: any JSON object as metadata, and optional base64 content.</summary>
public sealed record PutFileRequest(JsonElement? Metadata, byte[]? Content);

public sealed record FileWriteResponse(Guid FileId, string VersionTag, long Modified);

public sealed record FileResponse(Guid FileId, string VersionTag, long Modified, JsonElement? Metadata, byte[]? Content);

public sealed record ChangesResponse(IReadOnlyList<FileChange> Changes, long Cursor, bool HasMore);

public static class FileEndpoints
{
    public const int MaxChangesPage = 1000;

    public static IEndpointRouteBuilder MapFileEndpoints(this IEndpointRouteBuilder api)
    {
        var drive = api.MapGroup("/drives/{driveId:guid}").ForTenantHost().RequireOwnerOrDevice().WithTags("Files");
        drive.MapPut("/files/{fileId:guid}", PutAsync)
            .WithSummary("Create (no If-Match) or replace (If-Match: the current version tag) a file").WithIfMatch(required: false)
            .Produces<FileWriteResponse>(StatusCodes.Status201Created).Produces<FileWriteResponse>().ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        drive.MapGet("/files/{fileId:guid}", GetAsync).WithSummary("Read a file").Produces<FileResponse>();
        drive.MapPut("/files/{fileId:guid}/content", PutContentAsync)
            .WithSummary("Replace a file's content with the raw request body (If-Match required); staged on disk while it arrives").WithIfMatch(required: true)
            .Accepts<byte[]>("application/octet-stream").Produces<FileWriteResponse>().ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        drive.MapGet("/files/{fileId:guid}/content", GetContentAsync).WithSummary("Read a file's content as raw bytes")
            .Produces<byte[]>(StatusCodes.Status200OK, "application/octet-stream");
        drive.MapDelete("/files/{fileId:guid}", DeleteAsync).WithSummary("Delete a file (If-Match required)").WithIfMatch(required: true)
            .Produces(StatusCodes.Status204NoContent);
        drive.MapGet("/changes", ChangesAsync).WithSummary("Changes after a cursor: what a device re-reads after a gap").Produces<ChangesResponse>();
        return api;
    }

    private static async Task<IResult> PutAsync(
        Guid driveId, Guid fileId, PutFileRequest request, HttpContext context, DriveStore drives, FileStore files, IOptions<FileOptions> options)
    {
        if (await CheckDriveAsync(context, drives, driveId, write: true) is { } refused)
        {
            return refused;
        }

        if (request.Metadata is { } m && m.ValueKind != JsonValueKind.Object)
        {
            return Problems.BadRequest("metadata must be a JSON object.");
        }

        var metadata = request.Metadata?.GetRawText();
        if (metadata?.Length > options.Value.MaxMetadataBytes || request.Content?.Length > options.Value.MaxContentBytes)
        {
            return TooLarge(options.Value);
        }

        if (!TryReadIfMatch(context, out var expectedTag))
        {
            return Problems.BadRequest("If-Match must be one quoted version tag.");
        }

        var result = await files.WriteAsync(context.Tenant().Id, driveId, fileId, expectedTag, metadata, request.Content, context.RequestAborted);
        if (result.Outcome == WriteOutcome.PreconditionFailed)
        {
            return PreconditionFailed(expectedTag is null
                ? "The file exists: send If-Match with its current version tag to replace it."
                : "The version tag is stale (or the file does not exist): read the file again.");
        }

        context.Response.Headers.ETag = Quote(result.VersionTag!);
        var body = new FileWriteResponse(fileId, result.VersionTag!, result.Modified);
        return result.Outcome == WriteOutcome.Created
            ? TypedResults.Created($"/api/v1/drives/{driveId}/files/{fileId}", body)
            : TypedResults.Ok(body);
    }

    private static Task<IResult> GetAsync(Guid driveId, Guid fileId, HttpContext context, DriveStore drives, FileStore files) =>
        ReadAsync(driveId, fileId, context, drives, files, file =>
        {
            var metadata = file.Metadata is null ? (JsonElement?)null : JsonDocument.Parse(file.Metadata).RootElement;
            return TypedResults.Ok(new FileResponse(file.Id, file.VersionTag, file.Modified, metadata, file.Content));
        });

    private static Task<IResult> GetContentAsync(Guid driveId, Guid fileId, HttpContext context, DriveStore drives, FileStore files) =>
        ReadAsync(driveId, fileId, context, drives, files, file => TypedResults.Bytes(file.Content ?? [], "application/octet-stream"));

    /// <summary>A read of one live file the caller may read, with its ETag; <paramref name="present"/> shapes the answer.</summary>
    private static async Task<IResult> ReadAsync(
        Guid driveId, Guid fileId, HttpContext context, DriveStore drives, FileStore files, Func<StoredFile, IResult> present)
    {
        if (await CheckDriveAsync(context, drives, driveId, write: false) is { } refused)
        {
            return refused;
        }

        var file = await files.GetAsync(context.Tenant().Id, driveId, fileId, context.RequestAborted);
        if (file is null)
        {
            return Problems.NotFound($"No file {fileId} in drive {driveId}.");
        }

        context.Response.Headers.ETag = Quote(file.VersionTag);
        return present(file);
    }

    private static async Task<IResult> PutContentAsync(
        Guid driveId, Guid fileId, HttpContext context, DriveStore drives, FileStore files, TempFolder temp, IOptions<FileOptions> options)
    {
        if (await CheckDriveAsync(context, drives, driveId, write: true) is { } refused)
        {
            return refused;
        }

        if (RequireIfMatch(context, out var expectedTag) is { } missing)
        {
            return missing;
        }

        var limit = options.Value.MaxContentBytes;
        if (context.Request.ContentLength > limit)
        {
            return TooLarge(options.Value);
        }

        await using var staged = await temp.StageAsync(context.Request.Body, limit, context.RequestAborted);
        if (staged is null)
        {
            return TooLarge(options.Value);
        }

        var content = await staged.ReadAllAsync(context.RequestAborted);
        var result = await files.ReplaceContentAsync(context.Tenant().Id, driveId, fileId, expectedTag, content, context.RequestAborted);
        if (result.Outcome == WriteOutcome.PreconditionFailed)
        {
            return PreconditionFailed("The version tag is stale (or the file does not exist): read the file again.");
        }

        context.Response.Headers.ETag = Quote(result.VersionTag!);
        return TypedResults.Ok(new FileWriteResponse(fileId, result.VersionTag!, result.Modified));
    }

    private static async Task<IResult> DeleteAsync(Guid driveId, Guid fileId, HttpContext context, DriveStore drives, FileStore files)
    {
        if (await CheckDriveAsync(context, drives, driveId, write: true) is { } refused)
        {
            return refused;
        }

        if (RequireIfMatch(context, out var expectedTag) is { } missing)
        {
            return missing;
        }

        var result = await files.DeleteAsync(context.Tenant().Id, driveId, fileId, expectedTag, context.RequestAborted);
        return result.Outcome == WriteOutcome.PreconditionFailed
            ? PreconditionFailed("The version tag is stale (or the file does not exist): read the file again.")
            : TypedResults.NoContent();
    }

    private static async Task<IResult> ChangesAsync(Guid driveId, HttpContext context, DriveStore drives, FileStore files, long? cursor, int? limit)
    {
        if (await CheckDriveAsync(context, drives, driveId, write: false) is { } refused)
        {
            return refused;
        }

        if (cursor < 0 || limit is < 1 or > MaxChangesPage)
        {
            return Problems.BadRequest($"cursor must be 0 or more and limit 1 to {MaxChangesPage}.");
        }

        var pageSize = limit ?? 100;
        var changes = await files.ChangesAsync(context.Tenant().Id, driveId, cursor ?? 0, pageSize + 1, context.RequestAborted);
        var page = changes.Take(pageSize).ToList();
        return TypedResults.Ok(new ChangesResponse(page, page.Count > 0 ? page[^1].Seq : cursor ?? 0, changes.Count > pageSize));
    }

    /// <summary>Null when the drive exists and the caller may use it; otherwise the refusal.</summary>
    private static async Task<IResult?> CheckDriveAsync(HttpContext context, DriveStore drives, Guid driveId, bool write)
    {
        var caller = context.Caller();
        if (write ? !caller.CanWrite(driveId) : !caller.CanRead(driveId))
        {
            return Problems.Forbidden($"This device may not {(write ? "write to" : "read")} drive {driveId}.");
        }

        return await drives.ExistsAsync(context.Tenant().Id, driveId, context.RequestAborted)
            ? null
            : Problems.NotFound($"No drive {driveId}.");
    }

    /// <summary>Null when If-Match names one tag (in <paramref name="tag"/>); otherwise the refusal: 400 malformed, 428 absent.</summary>
    private static IResult? RequireIfMatch(HttpContext context, out string tag)
    {
        tag = "";
        if (!TryReadIfMatch(context, out var given))
        {
            return Problems.BadRequest("If-Match must be one quoted version tag.");
        }

        if (given is null)
        {
            return Problems.Result(StatusCodes.Status428PreconditionRequired, "Precondition required", "Send If-Match with the file's current version tag.");
        }

        tag = given;
        return null;
    }

    /// <summary>Absent ⇒ null tag; one quoted tag (RFC 9110: <c>"…"</c>) ⇒ that tag; anything else (bare, weak, a list) ⇒ false.</summary>
    private static bool TryReadIfMatch(HttpContext context, out string? tag)
    {
        tag = null;
        var values = context.Request.Headers.IfMatch;
        if (values.Count == 0)
        {
            return true;
        }

        var quoted = values.Count == 1 ? values[0]!.Trim() : "";
        if (quoted.Length < 3 || quoted[0] != '"' || quoted[^1] != '"')
        {
            return false;
        }

        var raw = quoted[1..^1];
        if (raw.Length > 64 || !raw.All(char.IsAsciiHexDigitLower))
        {
            return false;
        }

        tag = raw;
        return true;
    }

    private static string Quote(string tag) => new EntityTagHeaderValue($"\"{tag}\"").ToString();

    internal static IResult TooLarge(FileOptions limits) =>
        Problems.Result(StatusCodes.Status413PayloadTooLarge, "Too large",
            $"metadata may be at most {limits.MaxMetadataBytes} bytes and content at most {limits.MaxContentBytes} bytes.");

    private static IResult PreconditionFailed(string detail) =>
        Problems.Result(StatusCodes.Status412PreconditionFailed, "Precondition failed", detail);
}
