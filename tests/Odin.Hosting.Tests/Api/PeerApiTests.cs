using System.Net;
using System.Text.Json;
using Odin.Hosting.Peer;
using Odin.Testing;
using static Odin.Hosting.Tests.Api.ApiAssert;

namespace Odin.Hosting.Tests.Api;

/// <summary>One node whose peer calls go back to itself: two of its identities send each other files.</summary>
public sealed class PeerNode : OdinNodeFixture
{
    private static readonly string Address = $"http://127.0.0.1:{FreePort.Next()}";

    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["urls"] = Address,
        ["Odin:Peer:ResolveTo"] = Address,
        ["Odin:Peer:AllowedNetworks"] = "127.0.0.1/32", // its own loopback address, named as an operator would
        ["Odin:Peer:PollInterval"] = "00:00:00.050",
    };
}

public sealed class PeerApiTests(PeerNode node) : IClassFixture<PeerNode>
{
    private OdinApi Api => node.Api;

    [Fact]
    public async Task A_sent_file_arrives_in_the_recipients_drive_once_however_often_it_is_sent()
    {
        var (alice, bob) = (await Api.CreateTenantAsync(), await Api.CreateTenantAsync());
        var outbox = await alice.CreateDriveAsync("outbox");
        var inbox = await bob.CreateDriveAsync("inbox");
        var file = Guid.NewGuid();
        using (var put = await alice.PutFileAsync(outbox, file, new { metadata = new { title = "hello" }, content = "aGVsbG8=" }))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        var first = await alice.SendFileAsync(bob.Domain, "inbox", outbox, file);
        var second = await alice.SendFileAsync(bob.Domain, "inbox", outbox, file);
        foreach (var transfer in new[] { first, second })
        {
            await Eventually.TrueAsync(async () => (await alice.TransferAsync(transfer)).GetProperty("state").GetString() == "delivered", "the transfer to be delivered");
        }

        var received = PeerContent.ReceivedFileId(alice.Domain, file);
        await Eventually.TrueAsync(async () => (await bob.ChangesAsync(inbox)).Count == 1, "bob's drive to hold the file");
        var change = Assert.Single(await bob.ChangesAsync(inbox));
        Assert.Equal(received, change.GetProperty("fileId").GetGuid());
        using var read = await bob.OwnerAsync(HttpMethod.Get, $"/api/v1/drives/{inbox}/files/{received}");
        var body = await JsonAsync(read, HttpStatusCode.OK);
        Assert.Equal("hello", body.GetProperty("metadata").GetProperty("title").GetString());
        Assert.Equal("aGVsbG8=", body.GetProperty("content").GetString());
    }

    [Fact]
    public async Task A_transfer_to_a_drive_the_recipient_does_not_have_fails_with_the_recipients_status_but_not_its_body()
    {
        var (alice, bob) = (await Api.CreateTenantAsync(), await Api.CreateTenantAsync());
        var outbox = await alice.CreateDriveAsync("outbox");
        var file = Guid.NewGuid();
        await alice.CreateFileAsync(outbox, file);

        var transfer = await alice.SendFileAsync(bob.Domain, "nope", outbox, file);
        await Eventually.TrueAsync(async () => (await alice.TransferAsync(transfer)).GetProperty("state").GetString() == "failed", "the transfer to fail");
        var error = (await alice.TransferAsync(transfer)).GetProperty("lastError").GetString();
        Assert.Equal("the recipient's server refused the transfer (HTTP 404)", error);
    }

    [Fact]
    public async Task Sending_refuses_bad_recipients_aliases_drives_files_and_callers()
    {
        var alice = await Api.CreateTenantAsync();
        var outbox = await alice.CreateDriveAsync("outbox");
        var file = Guid.NewGuid();
        await alice.CreateFileAsync(outbox, file);

        await ExpectAsync(alice, new { recipient = "not a domain", driveAlias = "inbox", driveId = outbox, fileId = file }, HttpStatusCode.BadRequest, "recipient");
        await ExpectAsync(alice, new { recipient = "bob.example", driveAlias = "In Box", driveId = outbox, fileId = file }, HttpStatusCode.BadRequest, "driveAlias");
        await ExpectAsync(alice, new { recipient = "bob.example", driveAlias = "inbox", driveId = Guid.NewGuid(), fileId = file }, HttpStatusCode.NotFound, "No drive");
        await ExpectAsync(alice, new { recipient = "bob.example", driveAlias = "inbox", driveId = outbox, fileId = Guid.NewGuid() }, HttpStatusCode.NotFound, "No file");
        using (var malformed = await alice.OwnerAsync(HttpMethod.Post, "/api/v1/owner/transfers", RawJson("{\"recipient\": ")))
        {
            await ProblemAsync(malformed, HttpStatusCode.BadRequest);
        }

        using (var anonymous = await Api.SendAsync(HttpMethod.Post, "/api/v1/owner/transfers", null, alice.Domain, new { recipient = "bob.example" }))
        {
            await ProblemAsync(anonymous, HttpStatusCode.Unauthorized);
        }

        var mallory = await Api.CreateTenantAsync();
        using (var crossTenant = await Api.SendAsync(HttpMethod.Post, "/api/v1/owner/transfers", mallory.OwnerToken, alice.Domain,
                   new { recipient = "bob.example", driveAlias = "inbox", driveId = outbox, fileId = file }))
        {
            await ProblemAsync(crossTenant, HttpStatusCode.Unauthorized);
        }

        using var othersTransfer = await mallory.OwnerAsync(HttpMethod.Get, $"/api/v1/owner/transfers/{await alice.SendFileAsync("bob.example", "inbox", outbox, file)}");
        await ProblemAsync(othersTransfer, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_inbox_takes_nothing_the_sender_did_not_confirm_and_answers_malformed_and_oversized_deliveries_clearly()
    {
        var (alice, bob) = (await Api.CreateTenantAsync(), await Api.CreateTenantAsync());
        var inbox = await bob.CreateDriveAsync("inbox");
        var metadata = "{\"title\":\"forged\"}";
        var forged = Delivery(alice.Domain, metadata, PeerContent.Hash(metadata, null));

        await ExpectDeliveryAsync(bob, forged, HttpStatusCode.Forbidden, "did not confirm");
        await ExpectDeliveryAsync(bob, Delivery("unknown-sender.example", metadata, PeerContent.Hash(metadata, null)), HttpStatusCode.Forbidden, "did not confirm");
        await ExpectDeliveryAsync(bob, Delivery(alice.Domain, metadata, "0000"), HttpStatusCode.BadRequest, "contentHash");
        await ExpectDeliveryAsync(bob, Delivery(alice.Domain, "[1]", PeerContent.Hash("[1]", null)), HttpStatusCode.BadRequest, "JSON object");
        await ExpectDeliveryAsync(bob, Delivery("not a domain", metadata, "x"), HttpStatusCode.BadRequest, "sender");
        // Nothing is said about the recipient's drives before the sender confirmed the transfer.
        await ExpectDeliveryAsync(bob, forged with { DriveAlias = "missing" }, HttpStatusCode.Forbidden, "did not confirm");
        var big = new byte[(1024 * 1024) + 1];
        await ExpectDeliveryAsync(bob, forged with { Content = big, ContentHash = PeerContent.Hash(metadata, big) }, HttpStatusCode.RequestEntityTooLarge, "at most");
        using (var malformed = await Api.SendAsync(HttpMethod.Post, "/api/v1/peer/inbox", null, bob.Domain, RawJson("{\"sender\": 5")))
        {
            await ProblemAsync(malformed, HttpStatusCode.BadRequest);
        }

        using (var nobody = await Api.SendAsync(HttpMethod.Post, "/api/v1/peer/inbox", null, "nobody-here.example", forged))
        {
            await ProblemAsync(nobody, HttpStatusCode.NotFound);
        }

        Assert.Empty(await bob.ChangesAsync(inbox)); // nothing was written
    }

    /// <summary>(That it confirms to the right recipient is proved by every delivery above: the inbox asks first.)</summary>
    [Fact]
    public async Task A_sender_confirms_a_transfer_to_nobody_but_its_recipient()
    {
        var alice = await Api.CreateTenantAsync();
        var outbox = await alice.CreateDriveAsync("outbox");
        var file = Guid.NewGuid();
        await alice.CreateFileAsync(outbox, file);
        var transfer = await alice.SendFileAsync("bob.example", "inbox", outbox, file);

        using (var wrong = await Api.SendAsync(HttpMethod.Get, $"/api/v1/peer/transfers/{transfer}?recipient=someone-else.example", null, alice.Domain))
        {
            Assert.Contains("is not sending transfer", await ProblemAsync(wrong, HttpStatusCode.NotFound));
        }

        using var missing = await Api.SendAsync(HttpMethod.Get, $"/api/v1/peer/transfers/{transfer}", null, alice.Domain);
        Assert.Contains("recipient", await ProblemAsync(missing, HttpStatusCode.BadRequest));
    }

    private static PeerDelivery Delivery(string sender, string metadata, string hash) =>
        new(sender, Guid.NewGuid(), "inbox", Guid.NewGuid(), "v1", metadata, null, hash);

    private async Task ExpectDeliveryAsync(TenantHandle recipient, PeerDelivery delivery, HttpStatusCode status, string detail)
    {
        using var response = await Api.SendAsync(HttpMethod.Post, "/api/v1/peer/inbox", null, recipient.Domain,
            new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(delivery, JsonSerializerOptions.Web)) { Headers = { ContentType = new("application/json") } });
        Assert.Contains(detail, await ProblemAsync(response, status));
    }

    private static async Task ExpectAsync(TenantHandle sender, object body, HttpStatusCode status, string detail)
    {
        using var response = await sender.OwnerAsync(HttpMethod.Post, "/api/v1/owner/transfers", body);
        Assert.Contains(detail, await ProblemAsync(response, status));
    }
}
