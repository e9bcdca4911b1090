using Odin.ClusterPrimitives.Presence;
using Microsoft.Extensions.Options;
using Odin.Hosting.Auth;
using Odin.Hosting.Common;
using Odin.Hosting.Drives;
using Odin.Hosting.Edge;
using Odin.ClusterPrimitives.Auth;
using Odin.Contracts;
using Odin.ClusterPrimitives.Revocation;

namespace Odin.Hosting.Devices;

public sealed record DriveGrant(Guid DriveId, string? Permission);

public sealed record RegisterDeviceRequest(string? Name, DriveGrant[]? Drives);

public sealed record RegisterDeviceResponse(Guid DeviceId, string DeviceSecret);

public sealed record OnlineDevice(Guid DeviceId, int Connections);

public static class DeviceEndpoints
{
    /// <summary>Most drives one device may be granted; a token carries one claim per drive.</summary>
    public const int MaxDrivesPerDevice = 100;

    public static IEndpointRouteBuilder MapDeviceEndpoints(this IEndpointRouteBuilder api)
    {
        var owner = api.MapGroup("/owner/devices").ForTenantHost().RequireOwner().WithTags("Devices");
        owner.MapPost("", RegisterAsync).WithSummary("Register a device with per-drive permissions; its secret is shown once")
            .Produces<RegisterDeviceResponse>(StatusCodes.Status201Created);
        owner.MapDelete("/{deviceId:guid}", RevokeAsync).WithSummary("Revoke a device: no new tokens, no further calls")
            .Produces(StatusCodes.Status204NoContent);
        owner.MapGet("/online", OnlineAsync).WithSummary("The identity's devices connected now, on any gateway, with their connection count")
            .Produces<OnlineDevice[]>();

        api.MapPost("/device/token", IssueTokenAsync).ForTenantHost().WithRateLimit(RateLimitClass.DeviceToken).WithTags("Devices")
            .WithSummary("Exchange a device's id and secret for a short-lived access token")
            .Produces<DeviceTokenResponse>().ProducesProblem(StatusCodes.Status401Unauthorized);
        return api;
    }

    private static async Task<IResult> OnlineAsync(HttpContext context, IPresenceRegistry presence) =>
        TypedResults.Ok((await presence.OnlineAsync(context.Tenant().Id, context.RequestAborted))
            .GroupBy(c => c.DeviceId).Select(d => new OnlineDevice(d.Key, d.Count())).OrderBy(d => d.DeviceId));

    private static async Task<IResult> RegisterAsync(RegisterDeviceRequest request, HttpContext context, DriveStore drives, DeviceStore devices)
    {
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            return Problems.BadRequest("name must be 1 to 200 characters.");
        }

        if (request.Drives is null || request.Drives.Length > MaxDrivesPerDevice)
        {
            return Problems.BadRequest($"drives must be a list of at most {MaxDrivesPerDevice} grants.");
        }

        var tenant = context.Tenant();
        var grants = new Dictionary<Guid, DrivePermission>();
        foreach (var grant in request.Drives)
        {
            DrivePermission permission;
            switch (grant.Permission)
            {
                case "read": permission = DrivePermission.Read; break;
                case "write": permission = DrivePermission.Write; break;
                default: return Problems.BadRequest($"permission for drive {grant.DriveId} must be 'read' or 'write'.");
            }

            if (!grants.TryAdd(grant.DriveId, permission))
            {
                return Problems.BadRequest($"drive {grant.DriveId} is listed twice.");
            }

            if (!await drives.ExistsAsync(tenant.Id, grant.DriveId, context.RequestAborted))
            {
                return Problems.BadRequest($"drive {grant.DriveId} does not exist.");
            }
        }

        var (deviceId, secret) = await devices.CreateAsync(tenant.Id, name, grants, context.RequestAborted);
        return TypedResults.Created($"/api/v1/owner/devices/{deviceId}", new RegisterDeviceResponse(deviceId, secret));
    }

    private static async Task<IResult> RevokeAsync(Guid deviceId, HttpContext context, DeviceStore devices, LiveConnectionRevoker revoker)
    {
        var tenant = context.Tenant();
        if (!await devices.RevokeAsync(tenant.Id, deviceId, context.RequestAborted))
        {
            return Problems.NotFound($"No active device {deviceId}.");
        }

        await revoker.RevokeAsync(Revoked.Device(tenant.Id, deviceId));
        return TypedResults.NoContent();
    }

    private static async Task<IResult> IssueTokenAsync(
        DeviceTokenRequest request, HttpContext context, DeviceStore devices, DeviceTokenIssuer issuer, IOptions<AuthOptions> options)
    {
        var tenant = context.Tenant();
        var grants = string.IsNullOrEmpty(request.DeviceSecret) || request.DeviceSecret.Length > 256
            ? null
            : await devices.AuthenticateAsync(tenant.Id, request.DeviceId, request.DeviceSecret, context.RequestAborted);
        if (grants is null)
        {
            return Problems.Result(StatusCodes.Status401Unauthorized, "Unauthorized", "Unknown or revoked device, or wrong secret.");
        }

        var (token, expiresAt) = await issuer.IssueAsync(new DeviceIdentity(tenant.Id, tenant.Domain, request.DeviceId, grants), context.RequestAborted);
        var hubUrl = string.IsNullOrEmpty(options.Value.HubUrl) ? SameOrigin(context) : options.Value.HubUrl;
        return TypedResults.Ok(new DeviceTokenResponse(token, expiresAt, hubUrl));
    }

    /// <summary>
    /// The hub at the origin the device called: the Host it sent (the tenant check already found it a valid
    /// domain), with its port, or else the port it reached this server on when that is not the scheme's default.
    /// Behind a proxy that changes the port, set <c>Odin__Auth__HubUrl</c>.
    /// </summary>
    private static string SameOrigin(HttpContext context)
    {
        var request = context.Request;
        var host = request.Host;
        var local = context.Connection.LocalPort;
        var defaultPort = request.IsHttps ? 443 : 80;
        if (host.Port is null && local != 0 && local != defaultPort)
        {
            host = new HostString(host.Host, local);
        }

        return $"{request.Scheme}://{host}{HubPaths.Device}";
    }
}
