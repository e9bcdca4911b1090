using Odin.Hosting.Auth;
using Odin.Hosting.Common;
using Odin.Hosting.Jobs;
using Odin.Hosting.Storage;
using Odin.ClusterPrimitives;

namespace Odin.Hosting.Security;

public static class SecurityComposition
{
    public static IServiceCollection AddSecurityHealthCheck(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<SecurityOptions>(configuration, SecurityOptions.Section);
        services.AddJobHandler<SecurityHealthCheck>(SecurityHealthCheck.Type);
        services.AddJobHandler<SecurityHealthScheduler>(SecurityHealthScheduler.Type);
        services.AddSingleton(SecurityHealthScheduler.Schedule());
        return services;
    }

    /// <summary><c>GET /owner/security/health</c>: the identity's latest check.</summary>
    public static IEndpointRouteBuilder MapSecurityEndpoints(this IEndpointRouteBuilder api)
    {
        api.MapGet("/owner/security/health", async (HttpContext context, IDatabase database) =>
                await SecurityHealthCheck.LatestAsync(database, context.Tenant().Id, context.RequestAborted) is { } health
                    ? TypedResults.Ok(health)
                    : Problems.NotFound("This identity has not been checked yet; checks run soon after it is created and then every day."))
            .ForTenantHost().RequireOwner().WithTags("Security").WithSummary("The identity's latest security health check")
            .Produces<SecurityHealth>();
        return api;
    }
}
