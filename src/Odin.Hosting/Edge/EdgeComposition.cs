using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Odin.Hosting.Common;
using Odin.Hosting.Tenants;
using Odin.ClusterPrimitives;

namespace Odin.Hosting.Edge;

/// <summary>
/// Odin.Hosting at the edge: the client address behind trusted proxies, and per-source and per-identity
/// rate limits (ASP.NET Core's rate limiter) on the endpoints marked <see cref="RateLimited"/>.
/// </summary>
public static class EdgeComposition
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    public static IServiceCollection AddEdge(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<RateLimitOptions>(configuration, RateLimitOptions.Section);
        services.AddValidatedOptions<EdgeOptions>(configuration, EdgeOptions.Section);
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<EdgeOptions>>((forwarded, edge) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var network in NetworkList.Parse(edge.Value.TrustedProxies))
            {
                forwarded.KnownIPNetworks.Add(network);
            }
        });
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((limiter, limits) =>
        {
            // Chained: a call must fit both its source's and its identity's window; either refusal is a 429.
            limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, (RateLimitClass, string)>(context => PerSource(context, limits.Value)),
                PartitionedRateLimiter.Create<HttpContext, (RateLimitClass, string)>(context => PerIdentity(context, limits.Value)));
            limiter.OnRejected = RejectAsync;
        });
        return services;
    }

    private static RateLimitPartition<(RateLimitClass, string)> PerSource(HttpContext context, RateLimitOptions limits)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<RateLimited>() is not { } limited)
        {
            return RateLimitPartition.GetNoLimiter((RateLimitClass.Admin, ""));
        }

        var limit = limited.Class switch
        {
            RateLimitClass.DeviceToken => limits.DeviceTokenPerSource,
            RateLimitClass.PeerInbox => limits.PeerInboxPerSource,
            _ => limits.AdminPerSource,
        };
        return Partition((limited.Class, context.Connection.RemoteIpAddress?.ToString() ?? "unknown"), limit);
    }

    private static RateLimitPartition<(RateLimitClass, string)> PerIdentity(HttpContext context, RateLimitOptions limits)
    {
        var limited = context.GetEndpoint()?.Metadata.GetMetadata<RateLimited>();
        var limit = limited?.Class switch
        {
            RateLimitClass.DeviceToken => limits.DeviceTokenPerIdentity,
            RateLimitClass.PeerInbox => limits.PeerInboxPerIdentity,
            _ => 0, // the admin API belongs to no identity
        };

        // One window per identity this instance knows: a partition is kept for every key, so keying by whatever
        // host a caller sends would let distinct unknown hosts grow the limiter without bound. Hosts that name no
        // known identity (answered 404 or 400 further on) share one window.
        var identity = DomainName.TryFromHostHeader(context.Request.Headers.Host.ToString(), out var domain, out _)
            && context.RequestServices.GetRequiredService<IdentityRegistry>().Known(domain) is { } tenant
                ? tenant.Id.ToString("N")
                : "";
        return limited is null ? RateLimitPartition.GetNoLimiter((RateLimitClass.Admin, "")) : Partition((limited.Class, identity), limit);
    }

    private static RateLimitPartition<(RateLimitClass, string)> Partition((RateLimitClass, string) key, int perMinute) =>
        perMinute == 0
            ? RateLimitPartition.GetNoLimiter(key)
            : RateLimitPartition.GetSlidingWindowLimiter(key, _ => new SlidingWindowRateLimiterOptions
            {
                PermitLimit = perMinute,
                Window = Window,
                SegmentsPerWindow = 6,
                QueueLimit = 0,
            });

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : Window;
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await Problems.Write(rejected.HttpContext, StatusCodes.Status429TooManyRequests, "Too many requests",
            $"Too many calls of this kind from your address or to this identity; try again in {seconds} s.");
    }
}
