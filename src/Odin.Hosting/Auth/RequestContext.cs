using Odin.Hosting.Tenants;

namespace Odin.Hosting.Auth;

/// <summary>Typed access to what <see cref="RequestContextMiddleware"/> established for a request.</summary>
public static class RequestContext
{
    private const string TenantKey = "odin.tenant";
    private const string CallerKey = "odin.caller";

    public static Tenant Tenant(this HttpContext context) =>
        context.Items[TenantKey] as Tenant ?? throw new InvalidOperationException("The endpoint is not marked ForTenantHost().");

    public static Caller Caller(this HttpContext context) =>
        context.Items[CallerKey] as Caller ?? throw new InvalidOperationException("The endpoint has no Access requirement.");

    internal static void SetTenant(this HttpContext context, Tenant tenant) => context.Items[TenantKey] = tenant;

    internal static void SetCaller(this HttpContext context, Caller caller) => context.Items[CallerKey] = caller;
}
