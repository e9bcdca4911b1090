using Microsoft.Extensions.DependencyInjection;
using Odin.Hosting.Acme;
using Odin.Hosting.Certificates;
using Odin.Hosting.Tenants;
using Odin.Testing;

namespace Odin.Cluster.Tests.Certificates;

/// <summary>An authority that answers <c>rateLimited</c> (pebble's account and nonces, a front that refuses orders).</summary>
public sealed class RateLimitTests : IAsyncLifetime
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(2);
    private PebbleServer _pebble = null!;
    private RateLimitingAcmeFront _front = null!;
    private OdinHost _host = null!;

    public async Task InitializeAsync()
    {
        _pebble = await PebbleServer.StartAsync(validationPort: FreePort.Next());
        _front = await RateLimitingAcmeFront.StartAsync(_pebble, RetryAfter);
        _host = await OdinHost.StartAsync(new Dictionary<string, string?>
        {
            ["Odin:Acme:DirectoryUrl"] = _front.DirectoryUrl.ToString(),
            ["Odin:Acme:TrustedRootPath"] = _pebble.TrustedRootPath,
            ["Odin:Acme:CheckInterval"] = "1.00:00:00",
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_host.DataFolder, recursive: true);
        await _front.DisposeAsync();
        await _pebble.DisposeAsync();
    }

    [Fact]
    public async Task A_rate_limited_order_stops_the_round_and_no_order_is_placed_again_before_retry_after()
    {
        // The leader's round at start-up found no identity; after it, identities straight in the database (no
        // first-certificate job), so only the rounds below order.
        var renewal = _host.Services.GetRequiredService<CertificateRenewal>();
        await Eventually.TrueAsync(() => renewal.Rounds >= 1, "the leader's first renewal round");
        var tenants = _host.Services.GetRequiredService<TenantStore>();
        await tenants.CreateAsync($"a{Guid.NewGuid():N}.example");
        await tenants.CreateAsync($"b{Guid.NewGuid():N}.example");

        Assert.Equal(0, await renewal.RenewDueAsync());
        Assert.Equal(1, _front.RefusedOrders); // the round stopped at the first refusal
        Assert.Equal(0, await renewal.RenewDueAsync());
        Assert.Equal(1, _front.RefusedOrders); // and the next one waited for Retry-After

        var before = DateTimeOffset.UtcNow;
        var refused = await Assert.ThrowsAsync<AcmeRateLimitedException>(() => renewal.RenewIfDueAsync($"c{Guid.NewGuid():N}.example"));
        Assert.InRange(refused.RetryAfter, before + RetryAfter - TimeSpan.FromSeconds(5), DateTimeOffset.UtcNow + RetryAfter + TimeSpan.FromSeconds(5));
        Assert.Contains("too many new orders", refused.Detail);
    }
}
