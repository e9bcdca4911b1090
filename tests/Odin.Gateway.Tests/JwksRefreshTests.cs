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
/// same object, under which the tokens it verified stay known), a changed one is a new list, and one larger than the
/// bound is refused like an unreachable one.
/// </summary>
public sealed class JwksRefreshTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task An_unchanged_jwk_set_keeps_its_key_list_and_a_changed_one_replaces_it()
    {
        await using var server = await JwksServer.StartAsync(JwkSet(NewKey()));
        using var keys = server.Keys();
        await keys.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => keys.ValidationKeys.Count == 1, "the first fetch");
            var first = keys.ValidationKeys;
            var seen = server.Fetches;
            await Eventually.TrueAsync(() => server.Fetches >= seen + 3, "three more fetches of the same set");
            Assert.Same(first, keys.ValidationKeys);

            server.Serve(JwkSet(NewKey(), NewKey()));
            await Eventually.TrueAsync(() => keys.ValidationKeys.Count == 2, "the changed set");
            Assert.NotSame(first, keys.ValidationKeys);
        }
        finally
        {
            await keys.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_jwk_set_larger_than_the_bound_is_refused_and_a_later_good_one_is_taken()
    {
        await using var server = await JwksServer.StartAsync(JwkSet(NewKey()) + new string(' ', JwksDeviceTokenKeys.MaxJwkSetBytes)); // a valid set, padded past the bound
        using var keys = server.Keys();
        await keys.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.TrueAsync(() => server.Fetches >= 2, "the oversized set fetched and fetched again");
            Assert.Empty(keys.ValidationKeys);
            Assert.False(keys.ExecuteTask!.IsCompleted);

            server.Serve(JwkSet(NewKey()));
            await Eventually.TrueAsync(() => keys.ValidationKeys.Count == 1, "the good set after it");
        }
        finally
        {
            await keys.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>An HTTP server of one JWK Set (what it serves can change), counting its fetches.</summary>
    private sealed class JwksServer : IAsyncDisposable
    {
        private readonly WebApplication _host;
        private readonly Uri _url;
        private string _served;
        private int _fetches;

        private JwksServer(string served)
        {
            _served = served;
            var port = FreePort.Next();
            _url = new Uri($"http://127.0.0.1:{port}/jwks.json");
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
            _host = builder.Build();
            _host.MapGet("/jwks.json", () =>
            {
                Interlocked.Increment(ref _fetches);
                return Microsoft.AspNetCore.Http.Results.Text(Volatile.Read(ref _served), "application/json");
            });
        }

        public int Fetches => Volatile.Read(ref _fetches);

        public static async Task<JwksServer> StartAsync(string served)
        {
            var server = new JwksServer(served);
            await server._host.StartAsync();
            return server;
        }

        public void Serve(string served) => Volatile.Write(ref _served, served);

        /// <summary>The gateway's key source on this server, fetching every 20 ms (not started).</summary>
        public JwksDeviceTokenKeys Keys() => new(_url, TimeSpan.FromMilliseconds(20), TimeProvider.System, NullLogger<JwksDeviceTokenKeys>.Instance);

        public ValueTask DisposeAsync() => _host.DisposeAsync();
    }

    private static ECDsaSecurityKey NewKey() => DeviceTokenKeyId.WithKeyId(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    /// <summary>A JWK Set as Odin.Hosting serves it.</summary>
    private static string JwkSet(params ECDsaSecurityKey[] keys) => JsonSerializer.Serialize(
        new JsonWebKeySetResponse([.. keys.Select(JsonWebKeyConverter.ConvertFromECDsaSecurityKey).Select(jwk => new PublicJsonWebKey(jwk.Kty, jwk.Crv, jwk.X, jwk.Y, jwk.Kid, "sig", "ES256"))]),
        Web);
}
