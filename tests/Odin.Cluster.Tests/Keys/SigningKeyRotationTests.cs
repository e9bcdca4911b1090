using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.IdentityModel.JsonWebTokens;
using Odin.ClusterPrimitives.Auth;
using Odin.Contracts;
using Odin.Hosting.Auth;
using Odin.Testing;

namespace Odin.Cluster.Tests.Keys;

/// <summary>
/// Rotating the device-token signing key as docs/operations.md says, on 2 Hosting instances and 2 gateways (one reading a
/// PEM file, one fetching the JWK Set) on a real Redis and PostgreSQL: every token a device holds keeps working on every
/// instance until the old key is retired, and then only the old key's tokens are refused.
/// </summary>
public sealed class SigningKeyRotationTests : IAsyncLifetime
{
    private ClusterOnOwnServers _servers = null!;

    private InProcessCluster Cluster => _servers.Cluster;

    public async Task InitializeAsync() => _servers = await ClusterOnOwnServers.StartAsync(hostingCount: 2, gatewayCount: 2,
        gatewaySettings: new Dictionary<string, string?> { ["Odin:Auth:JwksRefresh"] = "00:00:00.200" });

    public async Task DisposeAsync() => await _servers.DisposeAsync();

    [Fact]
    public async Task The_signing_key_rotates_in_three_rolling_restarts_and_no_device_is_refused_until_the_old_key_is_retired()
    {
        var (tenant, drive, device) = await new OdinApi(Cluster.Hosting[0].CreateClient()).CreateReaderAsync();
        var oldPublic = Path.ChangeExtension(Cluster.SigningKeyPath, ".pub.pem");
        var nextPath = Path.Combine(Path.GetDirectoryName(Cluster.SigningKeyPath)!, "next-signing-key.pem");
        SigningKey.Load(nextPath, createIfMissing: true); // what openssl makes: the private key, and its public half beside it
        var nextPublic = Path.ChangeExtension(nextPath, ".pub.pem");
        var bothPublic = Path.Combine(Path.GetDirectoryName(nextPath)!, "both.pub.pem");
        await File.WriteAllTextAsync(bothPublic, await File.ReadAllTextAsync(oldPublic) + await File.ReadAllTextAsync(nextPublic));

        // 1. Announce the next key: every Hosting instance publishes and accepts it, and still signs with the old one. The
        //    JWKS gateway takes it on its next fetch; the PEM gateway is restarted with both keys in its file.
        await Cluster.RollHostingAsync(new Dictionary<string, string?> { ["Odin:Auth:AlsoAcceptedPublicKeyPath"] = nextPublic });
        await Cluster.RestartGatewayAsync(0, new Dictionary<string, string?> { ["Odin:Auth:PublicKeyPath"] = bothPublic });
        await EveryGatewayHoldsAsync(2);
        var announced = await FreshTokenAsync(tenant, device);
        Assert.Equal(KeyOf(oldPublic), VoucherSigner(announced, tenant.TenantId, oldPublic, nextPublic));

        // 2. Switch: sign with the next key, accept the old one. Tokens of both keys work everywhere.
        await Cluster.RollHostingAsync(new Dictionary<string, string?> { ["Odin:Auth:SigningKeyPath"] = nextPath, ["Odin:Auth:AlsoAcceptedPublicKeyPath"] = oldPublic });
        var switched = await FreshTokenAsync(tenant, device);
        Assert.Equal(KeyOf(nextPublic), VoucherSigner(switched, tenant.TenantId, oldPublic, nextPublic));
        foreach (var token in new[] { device.AccessToken, announced, switched })
        {
            await AcceptedEverywhereAsync(tenant, drive, token);
        }

        // 3. Retire the old key once its last tokens have expired (here: at once, to see what a late device would).
        await Cluster.RollHostingAsync(new Dictionary<string, string?> { ["Odin:Auth:SigningKeyPath"] = nextPath, ["Odin:Auth:AlsoAcceptedPublicKeyPath"] = "" });
        await Cluster.RestartGatewayAsync(0, new Dictionary<string, string?> { ["Odin:Auth:PublicKeyPath"] = nextPublic });
        await EveryGatewayHoldsAsync(1);
        await AcceptedEverywhereAsync(tenant, drive, switched);
        await RefusedEverywhereAsync(tenant, drive, announced);
        // A device whose token was refused fetches a new one, as the SDKs do, and is back.
        await AcceptedEverywhereAsync(tenant, drive, await FreshTokenAsync(tenant, device));
    }

    /// <summary>What an operator waits for between the steps: every gateway's <c>odin_gateway_token_keys</c>.</summary>
    private async Task EveryGatewayHoldsAsync(int keys) =>
        await Eventually.TrueAsync(async () =>
        {
            foreach (var gateway in Cluster.Gateways)
            {
                if (await PrometheusScrape.ReadAsync(gateway.BaseAddress, "odin_gateway_token_keys") != keys)
                {
                    return false;
                }
            }

            return true;
        }, $"every gateway to accept {keys} installation key(s)");

    private async Task<string> FreshTokenAsync(TenantHandle tenant, DeviceHandle device)
    {
        using var response = await new OdinApi(Cluster.Hosting[^1].CreateClient()).SendAsync(HttpMethod.Post, "/api/v1/device/token", null, tenant.Domain,
            new { deviceId = device.DeviceId, deviceSecret = device.Secret });
        await OdinApi.EnsureAsync(response, HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    private static string KeyOf(string publicPem) => InstallationPublicKeys.FromPem(File.ReadAllText(publicPem))[0].KeyId;

    /// <summary>The id of the installation key (of the two) that vouched for the token's identity key.</summary>
    private static string? VoucherSigner(string token, Guid tenantId, params string[] publicPems)
    {
        var voucher = new JsonWebToken(token).GetHeaderValue<string>(TenantKeyCertificate.HeaderName);
        return publicPems.Select(p => InstallationPublicKeys.FromPem(File.ReadAllText(p))[0])
            .FirstOrDefault(key => TenantKeyCertificate.Verify(voucher, [key], tenantId) is not null)?.KeyId;
    }

    /// <summary>The token opens a hub connection on every gateway and reads <c>/changes</c> on every Hosting instance.</summary>
    private async Task AcceptedEverywhereAsync(TenantHandle tenant, Guid drive, string token)
    {
        foreach (var gateway in Cluster.Gateways)
        {
            await using var connection = await NotificationRecorder.ConnectAsync(gateway.HubUrl, token, messagePack: false);
            Assert.Equal([drive], (await connection.SubscribeAsync(drive)).Accepted);
        }

        foreach (var hosting in Cluster.Hosting)
        {
            Assert.Equal(HttpStatusCode.OK, await ChangesStatusAsync(hosting, tenant, drive, token));
        }
    }

    /// <summary>The token is refused with 401 by every gateway (at the hub's negotiate, the device's first request) and every Hosting instance.</summary>
    private async Task RefusedEverywhereAsync(TenantHandle tenant, Guid drive, string token)
    {
        foreach (var gateway in Cluster.Gateways)
        {
            using var http = gateway.CreateClient();
            using var request = new HttpRequestMessage(HttpMethod.Post, "/hubs/device/negotiate?negotiateVersion=1") { Headers = { { "Authorization", $"Bearer {token}" } } };
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        foreach (var hosting in Cluster.Hosting)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await ChangesStatusAsync(hosting, tenant, drive, token));
        }
    }

    private static async Task<HttpStatusCode> ChangesStatusAsync(OdinHost hosting, TenantHandle tenant, Guid drive, string token)
    {
        using var response = await new OdinApi(hosting.CreateClient()).SendAsync(HttpMethod.Get, $"/api/v1/drives/{drive}/changes?cursor=0", token, tenant.Domain);
        return response.StatusCode;
    }
}
