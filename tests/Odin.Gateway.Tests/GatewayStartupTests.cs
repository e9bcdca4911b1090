using Microsoft.AspNetCore.SignalR.Client;
using Odin.ClusterPrimitives;
using Odin.Testing;

namespace Odin.Gateway.Tests;

public sealed class GatewayStartupTests
{
    [Theory]
    [InlineData(null, null, "Set Odin__Auth__PublicKeyPath")]
    [InlineData("/no/such/key.pem", null, "Odin__Auth__PublicKeyPath: '/no/such/key.pem' does not exist.")]
    [InlineData(null, "ftp://hosting/jwks", "Odin__Auth__JwksUrl: 'ftp://hosting/jwks' is not an http(s) URL.")]
    public void A_gateway_without_a_usable_key_source_says_which_key_to_set(string? publicKeyPath, string? jwksUrl, string expected)
    {
        var error = Record.Exception(() => Program.Build([], builder =>
        {
            builder.Configuration["Odin:Auth:PublicKeyPath"] = publicKeyPath;
            builder.Configuration["Odin:Auth:JwksUrl"] = jwksUrl;
        }));
        Assert.NotNull(error);
        Assert.StartsWith(expected, StartupErrors.Describe(error));
    }

    [Theory]
    [InlineData("private", "it holds a 'PRIVATE KEY' block where only 'PUBLIC KEY' blocks belong")]
    [InlineData("p384", "its key 1 is not on the P-256 curve (ES256)")]
    [InlineData("glued", "2 of its 2 blocks cannot be read (each must be whole, on lines of its own)")]
    [InlineData("text", "it holds no 'PUBLIC KEY' block")]
    public void A_key_file_of_anything_but_P256_public_keys_is_refused_with_what_it_holds(string content, string expected)
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("odin-gateway-keys-").FullName, "keys.pem");
        using var p256 = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        using var p384 = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP384);
        File.WriteAllText(path, content switch
        {
            "private" => p256.ExportSubjectPublicKeyInfoPem() + "\n" + p256.ExportPkcs8PrivateKeyPem() + "\n", // a private key must never be handed to a gateway
            "p384" => p384.ExportSubjectPublicKeyInfoPem() + "\n",
            "glued" => p256.ExportSubjectPublicKeyInfoPem() + p256.ExportSubjectPublicKeyInfoPem() + "\n", // two files without a final newline, cat together
            _ => "not a key\n",
        });

        var error = Record.Exception(() => Program.Build([], builder => builder.Configuration["Odin:Auth:PublicKeyPath"] = path));
        Assert.NotNull(error);
        Assert.Equal($"Odin__Auth__PublicKeyPath: '{path}' is not a PEM file of P-256 public keys ({expected}).", StartupErrors.Describe(error));
    }

    [Fact]
    public async Task A_standalone_gateway_is_live_ready_and_exports_its_metrics()
    {
        await using var gateway = await StandaloneGateway.StartAsync();
        await using var device = await NotificationRecorder.ConnectAsync(gateway.Host.HubUrl, gateway.Token([Guid.NewGuid()]).Token, messagePack: false);
        using var http = gateway.Host.CreateClient();

        Assert.True((await http.GetAsync("/health/live")).IsSuccessStatusCode);
        Assert.True((await http.GetAsync("/health/ready")).IsSuccessStatusCode);
        // A hub call is served only after the connection's OnConnectedAsync, where it is counted.
        await device.Connection.InvokeAsync<long>("Ping");
        Assert.Equal(1, await PrometheusScrape.ReadAsync(gateway.Host.BaseAddress, "odin_gateway_connections"));
    }

    [Fact]
    public async Task Gateways_sharing_a_process_each_export_their_own_figures_and_outlive_each_other()
    {
        // As the tests run them (and a single node runs a gateway beside Hosting): one process, instruments of one name.
        var first = await StandaloneGateway.StartAsync();
        await using var second = await StandaloneGateway.StartAsync();
        await using (var device = await NotificationRecorder.ConnectAsync(first.Host.HubUrl, first.Token([]).Token, messagePack: false))
        {
            await device.Connection.InvokeAsync<long>("Ping");
            await device.Connection.InvokeAsync<long>("Ping");
        }

        await using var other = await NotificationRecorder.ConnectAsync(second.Host.HubUrl, second.Token([]).Token, messagePack: false);
        await other.Connection.InvokeAsync<long>("Ping");
        Assert.Equal(2, await PrometheusScrape.ReadAsync(first.Host.BaseAddress, "odin_gateway_hub_calls_total", "method=\"Ping\""));
        Assert.Equal(1, await PrometheusScrape.ReadAsync(second.Host.BaseAddress, "odin_gateway_hub_calls_total", "method=\"Ping\""));

        // One gateway's end retired the instruments both shared: the other's page lost its counters.
        await first.DisposeAsync();
        await other.Connection.InvokeAsync<long>("Ping");
        Assert.Equal(2, await PrometheusScrape.ReadAsync(second.Host.BaseAddress, "odin_gateway_hub_calls_total", "method=\"Ping\""));
    }
}
