using Microsoft.Extensions.Options;
using Odin.Hosting.Certificates;
using Odin.Hosting.Jobs;
using Odin.Hosting.Security;
using Odin.Hosting.Auth;
using Odin.Hosting.Common;
using Odin.Hosting.Edge;
using Odin.ClusterPrimitives.Revocation;

namespace Odin.Hosting.Tenants;

public sealed record CreateTenantRequest(string? Domain);

public sealed record CreateTenantResponse(Guid TenantId, string Domain, string OwnerToken);

/// <summary>Operator endpoints, on any host, behind the admin key.</summary>
public static class AdminEndpoints
{
    public static IEndpointRouteBuilder MapAdminEndpoints(this IEndpointRouteBuilder api)
    {
        var admin = api.MapGroup("/admin/tenants").RequireAdmin().WithRateLimit(RateLimitClass.Admin).WithTags("Admin");
        admin.MapPost("", CreateAsync).WithSummary("Create an identity; returns its first owner token")
            .Produces<CreateTenantResponse>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        admin.MapPost("/{domain}/disable", (string domain, HttpContext context, TenantStore store, IdentityRegistry registry, LiveConnectionRevoker revoker) =>
            SetDisabledAsync(domain, true, context, store, registry, revoker)).WithSummary("Disable an identity: its host answers 403, its devices are disconnected")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapPost("/{domain}/enable", (string domain, HttpContext context, TenantStore store, IdentityRegistry registry, LiveConnectionRevoker revoker) =>
            SetDisabledAsync(domain, false, context, store, registry, revoker)).WithSummary("Enable a disabled identity")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapDelete("/{domain}", DeleteAsync).WithSummary("Delete an identity and everything it owns")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<IResult> CreateAsync(
        CreateTenantRequest request, HttpContext context, TenantStore store, IdentityRegistry registry, JobQueue jobs, IOptions<SecurityOptions> security)
    {
        if (!DomainName.TryNormalize(request.Domain, out var domain, out var reason))
        {
            return Problems.BadRequest(reason);
        }

        var created = await store.CreateAsync(domain, context.RequestAborted);
        if (created is not { } result)
        {
            return Problems.Conflict($"The domain '{domain}' is taken.");
        }

        await registry.ChangedAsync(domain, context.RequestAborted);
        // Also covered by the hourly scheduler, should this instance stop right here.
        await jobs.EnqueueAsync(SecurityHealthCheck.For(result.Tenant.Id, security.Value), context.RequestAborted);
        await jobs.EnqueueAsync(CertificateIssueJob.For(domain), context.RequestAborted); // its first TLS certificate
        return TypedResults.Created($"/api/v1/admin/tenants/{domain}", new CreateTenantResponse(result.Tenant.Id, domain, result.OwnerToken));
    }

    private static async Task<IResult> SetDisabledAsync(
        string domain, bool disabled, HttpContext context, TenantStore store, IdentityRegistry registry, LiveConnectionRevoker revoker)
    {
        if (!DomainName.TryNormalize(domain, out var normalized, out var reason))
        {
            return Problems.BadRequest(reason);
        }

        if (await store.SetDisabledAsync(normalized, disabled, context.RequestAborted) is not { } tenantId)
        {
            return Problems.NotFound($"No identity '{normalized}'.");
        }

        await registry.ChangedAsync(normalized, context.RequestAborted);
        await (disabled ? revoker.RevokeAsync(Revoked.Identity(tenantId)) : revoker.LiftAsync(Revoked.Identity(tenantId)));
        return TypedResults.NoContent();
    }

    private static async Task<IResult> DeleteAsync(string domain, HttpContext context, TenantStore store, IdentityRegistry registry, LiveConnectionRevoker revoker)
    {
        if (!DomainName.TryNormalize(domain, out var normalized, out var reason))
        {
            return Problems.BadRequest(reason);
        }

        if (await store.DeleteAsync(normalized, context.RequestAborted) is not { } tenantId)
        {
            return Problems.NotFound($"No identity '{normalized}'.");
        }

        await registry.ChangedAsync(normalized, context.RequestAborted);
        await revoker.RevokeAsync(Revoked.Identity(tenantId));
        return TypedResults.NoContent();
    }
}
