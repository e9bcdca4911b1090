using System.Net;
using Odin.Testing;
using static Odin.Hosting.Tests.Api.ApiAssert;

namespace Odin.Hosting.Tests.Security;

/// <summary>
/// Guessing device secrets, flooding the anonymous inbox and trying admin keys are answered 429 with
/// Retry-After once a source or an identity has used its minute, while other callers are served.
/// </summary>
public sealed class RateLimitTests
{
    private const int Limit = 5;

    [Fact]
    public async Task Device_token_guesses_beyond_the_per_source_limit_get_429_with_retry_after_and_other_calls_are_served()
    {
        await using var node = await StartAsync(new() { ["Odin:RateLimits:DeviceTokenPerSource"] = $"{Limit}" });
        var tenant = await node.Api.CreateTenantAsync();
        var drive = await tenant.CreateDriveAsync("docs");
        var guess = new { deviceId = Guid.NewGuid(), deviceSecret = "guess" };

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < Limit + 3; i++)
        {
            using var response = await node.Api.SendAsync(HttpMethod.Post, "/api/v1/device/token", null, tenant.Domain, guess);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After in seconds");
                Assert.Contains("try again in", await ProblemAsync(response, HttpStatusCode.TooManyRequests));
            }
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, Limit).Concat(Enumerable.Repeat(HttpStatusCode.TooManyRequests, 3)), statuses);

        // Everything not limited goes on: the owner writes, reads and lists.
        using var drives = await tenant.OwnerAsync(HttpMethod.Get, "/api/v1/owner/drives");
        Assert.Equal(HttpStatusCode.OK, drives.StatusCode);
        await tenant.CreateFileAsync(drive, Guid.NewGuid());
    }

    [Fact]
    public async Task An_identity_flooded_from_many_sources_gets_429_and_other_identities_are_served()
    {
        // Every request here comes from 127.0.0.1; behind a trusted proxy X-Forwarded-For names the client,
        // so many sources share one identity's window.
        await using var node = await StartAsync(new()
        {
            ["Odin:RateLimits:DeviceTokenPerIdentity"] = $"{Limit}",
            ["Odin:Edge:TrustedProxies"] = "127.0.0.1/32",
        });
        var (target, other) = (await node.Api.CreateTenantAsync(), await node.Api.CreateTenantAsync());
        for (var i = 0; i < Limit; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await GuessAsync(node.Api, target.Domain, $"203.0.113.{i + 1}"));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, await GuessAsync(node.Api, target.Domain, "203.0.113.99"));
        Assert.Equal(HttpStatusCode.Unauthorized, await GuessAsync(node.Api, other.Domain, "203.0.113.99"));
        var device = await other.CreateDeviceAsync((await other.CreateDriveAsync("docs"), "read")); // a real token for the other identity
        Assert.NotEmpty(device.AccessToken);
    }

    [Fact]
    public async Task Hosts_that_name_no_identity_share_one_window_so_distinct_hosts_cannot_grow_the_limiter()
    {
        await using var node = await StartAsync(new()
        {
            ["Odin:RateLimits:DeviceTokenPerIdentity"] = $"{Limit}",
            ["Odin:Edge:TrustedProxies"] = "127.0.0.1/32",
        });
        var known = await node.Api.CreateTenantAsync();
        for (var i = 0; i < Limit; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, await GuessAsync(node.Api, $"nobody-{i}-{Guid.NewGuid():N}.example", $"203.0.113.{i + 1}"));
        }

        // A sixth distinct unknown host is in the same window; a known identity has its own.
        Assert.Equal(HttpStatusCode.TooManyRequests, await GuessAsync(node.Api, $"nobody-{Guid.NewGuid():N}.example", "203.0.113.50"));
        Assert.Equal(HttpStatusCode.Unauthorized, await GuessAsync(node.Api, known.Domain, "203.0.113.51"));
    }

    [Fact]
    public async Task The_peer_inbox_and_the_admin_api_are_limited_per_source()
    {
        await using var node = await StartAsync(new()
        {
            ["Odin:RateLimits:PeerInboxPerSource"] = $"{Limit}",
            ["Odin:RateLimits:AdminPerSource"] = $"{Limit + 1}",
        });
        var tenant = await node.Api.CreateTenantAsync(); // one admin call
        for (var i = 0; i < Limit; i++)
        {
            using var response = await node.Api.SendAsync(HttpMethod.Post, "/api/v1/peer/inbox", null, tenant.Domain, new { sender = "x" });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        using (var limited = await node.Api.SendAsync(HttpMethod.Post, "/api/v1/peer/inbox", null, tenant.Domain, new { sender = "x" }))
        {
            await ProblemAsync(limited, HttpStatusCode.TooManyRequests);
        }

        for (var i = 0; i < Limit; i++)
        {
            using var wrongKey = await node.Api.SendAsync(HttpMethod.Post, "/api/v1/admin/tenants", "wrong-key", null, new { domain = "x.example" });
            Assert.Equal(i < Limit - 1 ? HttpStatusCode.Unauthorized : HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        }

        using var admin = await node.Api.SendAsync(HttpMethod.Post, "/api/v1/admin/tenants", OdinHost.AdminKey, null, new { domain = "y.example" });
        await ProblemAsync(admin, HttpStatusCode.TooManyRequests);
    }

    private static async Task<HttpStatusCode> GuessAsync(OdinApi api, string domain, string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/device/token")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { deviceId = Guid.NewGuid(), deviceSecret = "guess" }),
        };
        request.Headers.Host = domain;
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await api.Http.SendAsync(request);
        return response.StatusCode;
    }

    private static Task<OdinNode> StartAsync(Dictionary<string, string?> settings) => OdinNode.StartAsync(settings);
}
