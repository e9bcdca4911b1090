using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.Tokens;
using Odin.ClusterPrimitives.Auth;
using Odin.Gateway.Auth;
using Odin.Hosting.Auth;
using Odin.Testing;

namespace Odin.Gateway.Tests;

/// <summary>
/// A gateway that reads its keys from the JWK Set fetches it again and again: an unchanged set keeps its list (the
/// same object, under which the tokens it verified stay known), and a changed one is a new list.
/// </summary>
public sealed class JwksRefreshTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task An_unchanged_jwk_set_keeps_its_key_list_and_a_changed_one_replaces_it()
    {
        var port = FreePort.Next();
        var served = JwkSet(NewKey());
        var fetches = 0;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        await using var jwksHost = builder.Build();
        jwksHost.MapGet("/jwks.json", () =>
        {
            Interlocked.Increment(ref fetches);
            return Microsoft.AspNetCore.Http.Results.Text(Volatile.Read(ref served), "application/json");
        });
        await jwksHost.StartAsync();

        using var keys = new JwksDeviceTokenKeys(new Uri($"http://127.0.0.1:{port}/jwks.json"), TimeSpan.FromMilliseconds(20), TimeProvider.System, NullLogger<JwksDeviceTokenKeys>.Instance);
        await keys.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => keys.ValidationKeys.Count == 1, "the first fetch");
            var first = keys.ValidationKeys;
            var seen = Volatile.Read(ref fetches);
            await Eventually.TrueAsync(() => Volatile.Read(ref fetches) >= seen + 3, "three more fetches of the same set");
            Assert.Same(first, keys.ValidationKeys);

            Volatile.Write(ref served, JwkSet(NewKey(), NewKey()));
            await Eventually.TrueAsync(() => keys.ValidationKeys.Count == 2, "the changed set");
            Assert.NotSame(first, keys.ValidationKeys);
        }
        finally
        {
            await keys.StopAsync(CancellationToken.None);
        }
    }

    private static ECDsaSecurityKey NewKey() => DeviceTokenKeyId.WithKeyId(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>A JWK Set as Odin.Hosting serves it.</summary>
    private static string JwkSet(params ECDsaSecurityKey[] keys) => JsonSerializer.Serialize(
        new JsonWebKeySetResponse([.. keys.Select(JsonWebKeyConverter.ConvertFromECDsaSecurityKey).Select(jwk => new PublicJsonWebKey(jwk.Kty, jwk.Crv, jwk.X, jwk.Y, jwk.Kid, "sig", "ES256"))]),
        Web);
}
