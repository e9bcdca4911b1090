using System.Text.RegularExpressions;
using Odin.Hosting.Auth;
using Odin.Hosting.Common;

namespace Odin.Hosting.Drives;

public sealed record CreateDriveRequest(string? Alias, string? Name);

public sealed record DriveResponse(Guid DriveId, string Alias, string Name);

public static partial class DriveEndpoints
{
    public static IEndpointRouteBuilder MapDriveEndpoints(this IEndpointRouteBuilder api)
    {
        var owner = api.MapGroup("/owner/drives").ForTenantHost().RequireOwner().WithTags("Drives");
        owner.MapPost("", CreateAsync).WithSummary("Create a drive")
            .Produces<DriveResponse>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status409Conflict);
        owner.MapGet("", ListAsync).WithSummary("List the identity's drives").Produces<DriveResponse[]>();
        return api;
    }

    private static async Task<IResult> CreateAsync(CreateDriveRequest request, HttpContext context, DriveStore drives)
    {
        if (!IsValidAlias(request.Alias))
        {
            return Problems.BadRequest($"alias {AliasRule}.");
        }

        var name = request.Name?.Trim() ?? request.Alias;
        if (name.Length is 0 or > 200)
        {
            return Problems.BadRequest("name must be 1 to 200 characters.");
        }

        var drive = await drives.CreateAsync(context.Tenant().Id, request.Alias, name, context.RequestAborted);
        return drive is null
            ? Problems.Conflict($"A drive with alias '{request.Alias}' exists already.")
            : TypedResults.Created($"/api/v1/owner/drives/{drive.Id}", new DriveResponse(drive.Id, drive.Alias, drive.Name));
    }

    private static async Task<IResult> ListAsync(HttpContext context, DriveStore drives) =>
        TypedResults.Ok((await drives.ListAsync(context.Tenant().Id, context.RequestAborted)).Select(d => new DriveResponse(d.Id, d.Alias, d.Name)));

    public const string AliasRule = "must be 1 to 64 characters of lower-case letters, digits, '-' and '_'";

    public static bool IsValidAlias([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? alias) => alias is not null && AliasPattern().IsMatch(alias);

    [GeneratedRegex("^[a-z0-9_-]{1,64}$")]
    private static partial Regex AliasPattern();
}
