using System.Net;
using System.Text.Json;
using Odin.Hosting.Peer;
using Odin.Testing;
using static Odin.Hosting.Tests.Api.ApiAssert;

namespace Odin.Hosting.Tests.Security;

/// <summary>
/// Peer calls must never reach this server's own network. A trap listens on a loopback address; the
/// attacks of the report (numeric hosts, an inbox sender or owner recipient that resolves to loopback, a
/// peer answering with a redirect to an internal URL) are made against a real node, and nothing ever
/// connects to the trap, nor does any answer carry what a connection attempt or a remote server said.
/// </summary>
public sealed class PeerSsrfTests : IAsyncLifetime
{
    private static readonly string[] NumericHosts =
    [
        "0x7f.0x0.0x0.0x1", "0x7f000001.example", "127.0.0.1", "127.1", "2130706433", "0177.0.0.1", "017700000001.example",
        "10.0.0.1", "localhost", "api.localhost", "db.internal", "printer.local", "1.0.0.127.in-addr.arpa", "[::1]", "::ffff:127.0.0.1",
    ];

    private TrapListener _trap = null!;

    public Task InitializeAsync()
    {
        _trap = new TrapListener(IPAddress.Parse("127.0.0.3"));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _trap.DisposeAsync();

    [Fact]
    public async Task Numeric_and_reserved_peer_domains_are_refused_with_400_by_the_inbox_and_by_an_owner_transfer()
    {
        await using var node = await StartAsync($"https://{_trap.Endpoint}", allowed: null);
        var (alice, bob) = (await node.Api.CreateTenantAsync(), await node.Api.CreateTenantAsync());
        var outbox = await alice.CreateDriveAsync("outbox");
        var file = Guid.NewGuid();
        await alice.CreateFileAsync(outbox, file);

        foreach (var host in NumericHosts)
        {
            using (var send = await alice.OwnerAsync(HttpMethod.Post, "/api/v1/owner/transfers", new { recipient = host, driveAlias = "inbox", driveId = outbox, fileId = file }))
            {
                Assert.Contains("recipient", await ProblemAsync(send, HttpStatusCode.BadRequest));
            }

            using var deliver = await DeliverAsync(node.Api, bob, Delivery(host));
            Assert.Contains("sender", await ProblemAsync(deliver, HttpStatusCode.BadRequest));
        }

        Assert.Equal(0, _trap.Connections);
    }

    [Fact]
    public async Task An_inbox_sender_and_an_owner_recipient_that_resolve_to_loopback_are_never_connected_to_and_nothing_of_the_attempt_is_told()
    {
        // Every peer call of this node goes to the trap's loopback address, which no allow-list names.
        await using var node = await StartAsync($"https://{_trap.Endpoint}", allowed: null);
        var (alice, bob) = (await node.Api.CreateTenantAsync(), await node.Api.CreateTenantAsync());
        await bob.CreateDriveAsync("inbox");

        // The anonymous inbox: the confirmation call is refused at the connect step; the answer is generic
        // and says nothing about bob's drives.
        foreach (var alias in new[] { "inbox", "no-such-drive" })
        {
            using var deliver = await DeliverAsync(node.Api, bob, Delivery("sender-somewhere.example") with { DriveAlias = alias });
            var detail = await ProblemAsync(deliver, HttpStatusCode.ServiceUnavailable);
            Assert.Equal("the sender's server could not be reached to confirm the transfer; deliver again later.", detail);
        }

        // An owner transfer: retried, never connected, and its lastError is the fixed sentence.
        var outbox = await alice.CreateDriveAsync("outbox");
        var file = Guid.NewGuid();
        await alice.CreateFileAsync(outbox, file);
        var transfer = await alice.SendFileAsync("recipient-somewhere.example", "inbox", outbox, file);
        await Eventually.TrueAsync(async () => (await alice.TransferAsync(transfer)).GetProperty("attempts").GetInt32() >= 2, "two delivery attempts");
        var status = await alice.TransferAsync(transfer);
        Assert.Equal(PeerClient.Unreachable, status.GetProperty("lastError").GetString());

        Assert.Equal(0, _trap.Connections);
    }

    [Fact]
    public async Task A_peer_that_answers_with_a_redirect_to_an_internal_url_is_not_followed_and_its_body_is_not_read_back()
    {
        // An allowed peer (its own loopback address, named in the allow-list) answers every call with a
        // redirect to the trap, with a body an attacker would like to read back.
        await using var redirecting = new TrapListener(IPAddress.Parse("127.0.0.2"), () =>
        {
            const string body = "internal secret";
            return $"HTTP/1.1 302 Found\r\nLocation: http://{_trap.Endpoint}/internal\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
        });
        await using var node = await StartAsync($"http://{redirecting.Endpoint}", allowed: "127.0.0.2/32");
        var (alice, bob) = (await node.Api.CreateTenantAsync(), await node.Api.CreateTenantAsync());
        var outbox = await alice.CreateDriveAsync("outbox");
        var file = Guid.NewGuid();
        await alice.CreateFileAsync(outbox, file);

        var transfer = await alice.SendFileAsync("redirecting-peer.example", "inbox", outbox, file);
        await Eventually.TrueAsync(async () => (await alice.TransferAsync(transfer)).GetProperty("state").GetString() == "failed", "the redirected transfer to fail");
        var error = (await alice.TransferAsync(transfer)).GetProperty("lastError").GetString()!;
        Assert.Equal("the recipient's server answered with a redirect, which peer calls do not follow (HTTP 302)", error);

        using (var deliver = await DeliverAsync(node.Api, bob, Delivery("redirecting-peer.example")))
        {
            var detail = await ProblemAsync(deliver, HttpStatusCode.ServiceUnavailable);
            Assert.DoesNotContain("secret", detail, StringComparison.Ordinal);
        }

        Assert.True(redirecting.Connections >= 2, "the allowed peer was called");
        Assert.Equal(0, _trap.Connections);
    }

    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.16.0.1", false)]
    [InlineData("192.168.1.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("224.0.0.1", false)]
    [InlineData("::1", false)]
    [InlineData("::", false)]
    [InlineData("fd00::1", false)]
    [InlineData("fe80::1", false)]
    [InlineData("::ffff:127.0.0.1", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("64:ff9b::a00:1", false)]
    [InlineData("93.184.215.14", true)]
    [InlineData("2606:2800:21f:cb07:6820:80da:af6b:8b2c", true)]
    public void Only_public_addresses_are_allowed_unless_the_allow_list_names_them(string address, bool allowed)
    {
        var ip = IPAddress.Parse(address);
        Assert.Equal(allowed, PeerAddressPolicy.From(new PeerOptions()).Allows(ip));

        // An IPv4-mapped address is judged as the IPv4 address it carries, so the list names that.
        var named = ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;
        var list = $"{named}/{(named.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32)}";
        Assert.True(PeerAddressPolicy.From(new PeerOptions { AllowedNetworks = list }).Allows(ip));
    }

    private static PeerDelivery Delivery(string sender) =>
        new(sender, Guid.NewGuid(), "inbox", Guid.NewGuid(), "v1", "{}", null, PeerContent.Hash("{}", null));

    private static Task<HttpResponseMessage> DeliverAsync(OdinApi api, TenantHandle recipient, PeerDelivery delivery) =>
        api.SendAsync(HttpMethod.Post, "/api/v1/peer/inbox", null, recipient.Domain,
            new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(delivery, JsonSerializerOptions.Web)) { Headers = { ContentType = new("application/json") } });

    private static Task<OdinNode> StartAsync(string resolveTo, string? allowed) =>
        OdinNode.StartAsync(new Dictionary<string, string?>
        {
            ["Odin:Peer:ResolveTo"] = resolveTo,
            ["Odin:Peer:AllowedNetworks"] = allowed,
            ["Odin:Peer:PollInterval"] = "00:00:00.050",
            ["Odin:Peer:RetryDelay"] = "00:00:00.050",
            ["Odin:Peer:MaxRetryDelay"] = "00:00:00.100",
        });
}
