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
        // Exported. (Its value is checked where a gateway is alone in its process, as in production: the
        // end-to-end tests. Here every test's gateway registers the same instruments in one process.)
        Assert.NotNull(await PrometheusScrape.ReadAsync(gateway.Host.BaseAddress, "odin_gateway_connections"));
    }
}
