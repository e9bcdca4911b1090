using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Odin.Hosting.Common;
using Odin.Hosting.Devices;
using Odin.Hosting.LastSeen;
using Odin.Hosting.Tenants;
using Odin.ClusterPrimitives.Auth;

namespace Odin.Hosting.Auth;

/// <summary>
/// Runs after routing and before the endpoint (so before any body is read): finds the tenant from the
/// <c>Host</c> header for <see cref="TenantHost"/> endpoints, then authenticates the caller against the
/// endpoint's <see cref="Access"/>. Owner tokens are opaque; device tokens are JWTs verified by the
/// shared device-token scheme and must belong to the host's tenant and a device that is not revoked.
/// </summary>
internal sealed class RequestContextMiddleware(
    RequestDelegate next,
    IdentityRegistry registry,
    TenantStore tenants,
    DeviceStore devices,
    LastSeenTracker lastSeen,
    IOptions<AdminOptions> admin)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var metadata = context.GetEndpoint()?.Metadata;
        var tenant = (Tenant?)null;
        if (metadata?.GetMetadata<TenantHost>() is not null)
        {
            // The raw header: Request.Host decodes punycode first, which throws on a bad label and costs
            // work proportional to whatever length an attacker sent.
            if (!DomainName.TryFromHostHeader(context.Request.Headers.Host.ToString(), out var host, out var reason))
            {
                await Problems.Write(context, StatusCodes.Status400BadRequest, "Invalid host", reason);
                return;
            }

            tenant = await registry.ResolveAsync(host, context.RequestAborted);
            if (tenant is null)
            {
                await Problems.Write(context, StatusCodes.Status404NotFound, "Unknown identity", $"No identity is served at '{host}'.");
                return;
            }

            if (tenant.Disabled)
            {
                await Problems.Write(context, StatusCodes.Status403Forbidden, "Identity disabled", $"The identity '{tenant.Domain}' is disabled.");
                return;
            }

            context.SetTenant(tenant);
        }

        if (metadata?.GetMetadata<Access>() is { } access)
        {
            var failure = await AuthenticateAsync(context, access, tenant);
            if (failure is not null)
            {
                await failure;
                return;
            }
        }

        await next(context);
    }

    /// <summary>Null when the caller is admitted (and recorded); otherwise the task that writes the refusal.</summary>
    private async Task<Task?> AuthenticateAsync(HttpContext context, Access access, Tenant? tenant)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
        {
            return Unauthorized(context, "Send 'Authorization: Bearer <token>'.");
        }

        var token = header[7..].Trim();
        if (access.Allowed.Contains(CallerKind.Admin))
        {
            return admin.Value.Admits(token)
                ? Admit(context, new Caller(CallerKind.Admin))
                : Unauthorized(context, "The admin key is not valid.");
        }

        if (tenant is null)
        {
            throw new InvalidOperationException("Owner and device endpoints must be marked ForTenantHost().");
        }

        var isJwt = token.Count(c => c == '.') == 2;
        if (!isJwt && access.Allowed.Contains(CallerKind.Owner))
        {
            if (!await tenants.IsOwnerTokenAsync(tenant.Id, token, context.RequestAborted))
            {
                return Unauthorized(context, "The owner token is not valid for this identity.");
            }

            lastSeen.Seen(tenant.Id, LastSeenStore.Owner);
            return Admit(context, new Caller(CallerKind.Owner));
        }

        if (!isJwt || !access.Allowed.Contains(CallerKind.Device))
        {
            return Forbidden(context, "This endpoint is for the identity's owner.");
        }

        var result = await context.AuthenticateAsync(DeviceTokenAuthentication.Scheme);
        var device = result.Succeeded ? DeviceTokenClaims.Read(result.Principal) : null;
        if (device is null)
        {
            return Unauthorized(context, "The device token is not valid (signature, audience or expiry).");
        }

        if (device.TenantId != tenant.Id)
        {
            return Forbidden(context, "The device token belongs to another identity.");
        }

        if (!await devices.IsActiveAsync(tenant.Id, device.DeviceId, context.RequestAborted))
        {
            return Unauthorized(context, "The device has been revoked.");
        }

        lastSeen.Seen(tenant.Id, device.DeviceId.ToString());
        return Admit(context, new Caller(CallerKind.Device, device));
    }

    private static Task? Admit(HttpContext context, Caller caller)
    {
        context.SetCaller(caller);
        return null;
    }

    private static Task Unauthorized(HttpContext context, string detail)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Problems.Write(context, StatusCodes.Status401Unauthorized, "Unauthorized", detail);
    }

    private static Task Forbidden(HttpContext context, string detail) =>
        Problems.Write(context, StatusCodes.Status403Forbidden, "Forbidden", detail);
}
