using System.Security.Claims;
using System.Text.Json;
using MessagePack;
using MessagePack.Resolvers;
using Odin.Contracts;
using Odin.ClusterPrimitives.Auth;

namespace Odin.ClusterPrimitives.Tests;

/// <summary>
/// The contract's wire shape: the same camelCase names in JSON and MessagePack (whose names are
/// case-sensitive), ids as GUID strings in both, so a JavaScript client reads one shape.
/// </summary>
public sealed class WireFormatTests
{
    private static readonly NotificationEnvelope Sample = new()
    {
        Id = Guid.NewGuid(),
        Seq = 42,
        Type = NotificationTypes.FileModified,
        TenantId = Guid.NewGuid(),
        DriveId = Guid.NewGuid(),
        FileId = Guid.NewGuid(),
        VersionTag = "abc123",
        At = 1_795_000_000_000,
        Data = """{"k":1}""",
    };

    private static readonly string[] EnvelopeNames = ["id", "seq", "type", "tenantId", "driveId", "fileId", "versionTag", "at", "data"];

    // The resolver chain SignalR's MessagePack protocol uses by default.
    private static readonly MessagePackSerializerOptions SignalRMessagePack = MessagePackSerializerOptions.Standard.WithResolver(
        CompositeResolver.Create(DynamicEnumAsStringResolver.Instance, ContractlessStandardResolver.Instance));

    [Fact]
    public void MessagePack_uses_the_camelCase_names_and_guid_strings()
    {
        var bytes = MessagePackSerializer.Serialize(Sample, SignalRMessagePack);
        var map = (Dictionary<object, object?>)MessagePackSerializer.Deserialize<object>(bytes, ContractlessStandardResolver.Options)!;

        Assert.Equal(EnvelopeNames.Order(), map.Keys.Cast<string>().Order());
        Assert.Equal(Sample.Id.ToString(), map["id"]);
        Assert.Equal(Sample.DriveId.ToString(), map["driveId"]);
        Assert.Equal(Sample, MessagePackSerializer.Deserialize<NotificationEnvelope>(bytes, SignalRMessagePack));
    }

    [Fact]
    public void Json_uses_the_same_names()
    {
        var json = JsonSerializer.SerializeToElement(Sample, JsonSerializerOptions.Web);
        Assert.Equal(EnvelopeNames.Order(), json.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(Sample.Id.ToString(), json.GetProperty("id").GetString());
    }

    [Fact]
    public void A_traced_notification_carries_its_trace_context_on_the_bus_and_reads_back_as_the_same_envelope()
    {
        const string traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        var traced = Odin.ClusterPrimitives.Notifications.NotificationWire.Write(Sample, traceParent);
        Assert.Equal(traceParent, Odin.ClusterPrimitives.Notifications.NotificationWire.TraceParentOf(traced));
        Assert.Equal(Sample, Odin.ClusterPrimitives.Notifications.NotificationWire.Read(traced)); // what a gateway hands devices: no trace member

        var untraced = Odin.ClusterPrimitives.Notifications.NotificationWire.Write(Sample);
        Assert.Null(Odin.ClusterPrimitives.Notifications.NotificationWire.TraceParentOf(untraced));
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(Sample, JsonSerializerOptions.Web), untraced); // off: the bytes of before
    }

    [Fact]
    public void Subscribe_messages_round_trip_in_MessagePack_with_their_wire_names()
    {
        var request = new SubscribeRequest { DriveIds = [Guid.NewGuid()], ResumeFrom = 7, Epoch = "e1" };
        var bytes = MessagePackSerializer.Serialize(request, SignalRMessagePack);
        var map = (Dictionary<object, object?>)MessagePackSerializer.Deserialize<object>(bytes, ContractlessStandardResolver.Options)!;
        Assert.Equal(["driveIds", "epoch", "resumeFrom"], map.Keys.Cast<string>().Order());
        Assert.Equal(request, MessagePackSerializer.Deserialize<SubscribeRequest>(bytes, SignalRMessagePack) with { DriveIds = request.DriveIds });

        var result = new SubscribeResult { Accepted = [Guid.NewGuid()], Rejected = [], Recovered = true, LastSeq = 9, Epoch = "e1" };
        var back = MessagePackSerializer.Deserialize<SubscribeResult>(MessagePackSerializer.Serialize(result, SignalRMessagePack), SignalRMessagePack);
        Assert.Equal(result.Accepted, back.Accepted);
        Assert.Equal((true, 9L, "e1"), (back.Recovered, back.LastSeq, back.Epoch));
    }

    [Fact]
    public void The_contracts_a_device_compiles_against_need_nothing_of_the_server_or_the_cluster()
    {
        var references = typeof(NotificationEnvelope).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.DoesNotContain(references, name => name.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.DoesNotContain(references, name => name.StartsWith("StackExchange.Redis", StringComparison.Ordinal));
        Assert.DoesNotContain(references, name => name.StartsWith("Odin.", StringComparison.Ordinal));
    }

    [Fact]
    public void Device_claims_are_read_back_and_malformed_ones_are_refused()
    {
        var tenant = Guid.NewGuid();
        var device = Guid.NewGuid();
        var readDrive = Guid.NewGuid();
        var writeDrive = Guid.NewGuid();
        ClaimsPrincipal Principal(params Claim[] extra) => new(new ClaimsIdentity(
            new[] { new Claim(DeviceTokenClaims.DeviceId, device.ToString()), new Claim(DeviceTokenClaims.TenantId, tenant.ToString()) }.Concat(extra)));

        var identity = DeviceTokenClaims.Read(Principal(
            new Claim(DeviceTokenClaims.Drive, DeviceTokenClaims.FormatDrive(readDrive, DrivePermission.Read)),
            new Claim(DeviceTokenClaims.Drive, DeviceTokenClaims.FormatDrive(writeDrive, DrivePermission.Write))))!;
        Assert.Equal((tenant, device), (identity.TenantId, identity.DeviceId));
        Assert.True(identity.CanRead(readDrive) && !identity.CanWrite(readDrive));
        Assert.True(identity.CanWrite(writeDrive));
        Assert.False(identity.CanRead(Guid.NewGuid()));

        Assert.Null(DeviceTokenClaims.Read(Principal(new Claim(DeviceTokenClaims.Drive, "not-a-guid:read"))));
        Assert.Null(DeviceTokenClaims.Read(new ClaimsPrincipal(new ClaimsIdentity([new Claim(DeviceTokenClaims.DeviceId, device.ToString())]))));
    }
}
