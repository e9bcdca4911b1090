using System.Reflection;
using Odin.Hosting.Auth;
using Odin.Hosting.Edge;
using Odin.ClusterPrimitives.Reports;

namespace Odin.Hosting.Dashboard;

/// <summary>Answer of <c>GET /api/v1/admin/cluster</c>: every instance that reported within its report's lifetime.</summary>
public sealed record ClusterReport(DateTimeOffset At, IReadOnlyList<InstanceReport> Instances);

/// <summary>
/// The cluster dashboard: a page at <c>/admin</c> (its script and style served beside it, nothing from elsewhere) that
/// asks for the admin key and reads <c>GET /api/v1/admin/cluster</c> every few seconds. The page holds no data itself;
/// the data needs the key.
/// </summary>
public static class DashboardEndpoints
{
    public static IServiceCollection AddDashboard(this IServiceCollection services) =>
        services.AddSingleton<IInstanceFigures, HostingFigures>();

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app, RouteGroupBuilder api)
    {
        api.MapGet("/admin/cluster", async (IInstanceReports reports, TimeProvider time) =>
                TypedResults.Ok(new ClusterReport(time.GetUtcNow(), await reports.ReadAllAsync())))
            .RequireAdmin().WithRateLimit(RateLimitClass.Admin).WithTags("Admin")
            .WithSummary("Every Hosting instance and gateway with its health, version and figures, as the dashboard shows them")
            .Produces<ClusterReport>();

        foreach (var (path, file, type) in new[]
                 {
                     ("/admin", "index.html", "text/html; charset=utf-8"),
                     ("/admin/dashboard.js", "dashboard.js", "text/javascript; charset=utf-8"),
                     ("/admin/dashboard.css", "dashboard.css", "text/css; charset=utf-8"),
                     ("/admin/icon.svg", "icon.svg", "image/svg+xml"),
                 })
        {
            var content = Asset(file);
            app.MapGet(path, (HttpContext context) =>
            {
                // Only what this server sends runs or loads; the page is never framed.
                context.Response.Headers.ContentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'";
                context.Response.Headers.CacheControl = "no-cache";
                return Results.Bytes(content, type);
            }).ExcludeFromDescription();
        }

        return app;
    }

    private static byte[] Asset(string file)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"dashboard/{file}")
                           ?? throw new InvalidOperationException($"The dashboard's {file} is not embedded.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
