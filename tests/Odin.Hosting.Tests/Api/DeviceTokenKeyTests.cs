using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Odin.Hosting.Auth;
using Odin.Hosting.Storage;
using Odin.ClusterPrimitives.Auth;
using Odin.Testing;
using static Odin.Hosting.Tests.Api.ApiAssert;

namespace Odin.Hosting.Tests.Api;

/// <summary>Each identity signs its devices' tokens with its own key, which the installation key vouches for.</summary>
[Collection(SingleNodeCollection.Name)]
public sealed class DeviceTokenKeyTests(SingleNodeHost node)
{
    [Fact]
    public async Task Device_tokens_of_two_identities_are_signed_by_two_keys_each_created_once_and_neither_is_the_installation_key()
    {
        var (a, b) = (await node.Api.CreateTenantAsync(), await node.Api.CreateTenantAsync());
        var devices = new[]
        {
            await a.CreateDeviceAsync((await a.CreateDriveAsync("docs"), "read")), await a.CreateDeviceAsync(),
            await b.CreateDeviceAsync((await b.CreateDriveAsync("docs"), "read")),
        };
        var keyIds = devices.Select(d => new JsonWebToken(d.AccessToken).Kid).ToList();
        Assert.Equal(keyIds[0], keyIds[1]); // one identity, one key
        Assert.NotEqual(keyIds[0], keyIds[2]);
        var installation = node.Host.Services.GetRequiredService<SigningKey>().Key.KeyId;
        Assert.DoesNotContain(installation, keyIds);

        await using var connection = await node.Host.Services.GetRequiredService<IDatabase>().OpenAsync();
        Assert.Equal(2, await connection.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM keys WHERE kind = 'device-token' AND owner IN (@A, @B)", new { A = a.TenantId.ToString(), B = b.TenantId.ToString() }));
    }

    [Fact]
    public async Task A_token_signed_with_one_identitys_key_and_voucher_but_claiming_another_identity_is_refused()
    {
        var (a, b) = (await node.Api.CreateTenantAsync(), await node.Api.CreateTenantAsync());
        var driveOfB = await b.CreateDriveAsync("docs");
        var deviceOfB = await b.CreateDeviceAsync((driveOfB, "read"));

        // Suppose A's device-token key leaked: its voucher is in every token of A. It must not sign for B.
        using var keyOfA = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var voucherOfA = TenantKeyCertificate.Create(node.Host.Services.GetRequiredService<SigningKey>().Key.ECDsa, a.TenantId, keyOfA);
        var forged = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = DeviceTokenClaims.Issuer,
            Audience = DeviceTokenClaims.Audience,
            Subject = new ClaimsIdentity(
            [
                new Claim(DeviceTokenClaims.DeviceId, deviceOfB.DeviceId.ToString()), new Claim(DeviceTokenClaims.TenantId, b.TenantId.ToString()),
                new Claim(DeviceTokenClaims.Domain, b.Domain), new Claim(DeviceTokenClaims.Drive, DeviceTokenClaims.FormatDrive(driveOfB, DrivePermission.Read)),
            ]),
            Expires = DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new SigningCredentials(DeviceTokenKeyId.WithKeyId(keyOfA), SecurityAlgorithms.EcdsaSha256),
            AdditionalHeaderClaims = new Dictionary<string, object> { [TenantKeyCertificate.HeaderName] = voucherOfA },
        });

        using var refused = await node.Api.SendAsync(HttpMethod.Get, $"/api/v1/drives/{driveOfB}/changes", forged, b.Domain);
        await ProblemAsync(refused, HttpStatusCode.Unauthorized);
        using var genuine = await node.Api.SendAsync(HttpMethod.Get, $"/api/v1/drives/{driveOfB}/changes", deviceOfB.AccessToken, b.Domain);
        Assert.Equal(HttpStatusCode.OK, genuine.StatusCode);
    }
}
