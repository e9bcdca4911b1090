using System.Security.Claims;

namespace Odin.ClusterPrimitives.Auth;

/// <summary>
/// The claims of a device access token (an ES256 JWT minted by Odin.Hosting, verified by the Gateway
/// and by Odin.Hosting). The one place their names and formats are defined.
/// </summary>
public static class DeviceTokenClaims
{
    /// <summary>Audience every device token carries.</summary>
    public const string Audience = "odin-gateway";

    /// <summary>Issuer every device token carries.</summary>
    public const string Issuer = "odin";

    /// <summary>The device id (standard <c>sub</c>).</summary>
    public const string DeviceId = "sub";

    public const string TenantId = "odin_tid";

    public const string Domain = "odin_dom";

    /// <summary>One claim per granted drive: <c>{driveId}:read</c> or <c>{driveId}:write</c>.</summary>
    public const string Drive = "odin_drv";

    public static string FormatDrive(Guid driveId, DrivePermission permission) =>
        $"{driveId}:{(permission == DrivePermission.Write ? "write" : "read")}";

    /// <summary>Reads a device principal; null when a claim is missing or malformed.</summary>
    public static DeviceIdentity? Read(ClaimsPrincipal principal)
    {
        if (!Guid.TryParse(principal.FindFirstValue(DeviceId), out var deviceId)
            || !Guid.TryParse(principal.FindFirstValue(TenantId), out var tenantId))
        {
            return null;
        }

        var drives = new Dictionary<Guid, DrivePermission>();
        foreach (var claim in principal.FindAll(Drive))
        {
            var separator = claim.Value.LastIndexOf(':');
            if (separator < 0 || !Guid.TryParse(claim.Value.AsSpan(0, separator), out var driveId))
            {
                return null;
            }

            drives[driveId] = claim.Value[(separator + 1)..] == "write" ? DrivePermission.Write : DrivePermission.Read;
        }

        return new DeviceIdentity(tenantId, principal.FindFirstValue(Domain) ?? "", deviceId, drives);
    }
}

public enum DrivePermission
{
    Read = 0,
    Write = 1,
}

/// <summary>Who a device token speaks for, and what it may reach.</summary>
public sealed record DeviceIdentity(Guid TenantId, string Domain, Guid DeviceId, IReadOnlyDictionary<Guid, DrivePermission> Drives)
{
    public bool CanRead(Guid driveId) => Drives.ContainsKey(driveId);

    public bool CanWrite(Guid driveId) => Drives.TryGetValue(driveId, out var permission) && permission == DrivePermission.Write;
}
