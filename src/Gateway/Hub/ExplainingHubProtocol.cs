using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Odin.Contracts;

namespace Odin.Gateway.Hub;

/// <summary>
/// The hub's protocols (JSON and MessagePack), with the arguments of every call checked as they are read. SignalR
/// answers a call it cannot bind (no argument, a drive id that is not a GUID, an unknown method) with a bare
/// "Failed to invoke ... due to an error on the server."; here the failure carries a <see cref="HubException"/>
/// that says what the method takes, which SignalR passes on. A well-formed call with a value out of range
/// (<c>resumeFrom</c> below 0) is refused the same way, at read time, so it never reaches the hub, where throwing
/// would log a stack trace for every bad call a device makes.
/// </summary>
internal sealed class ExplainingHubProtocol(IHubProtocol inner) : IHubProtocol
{
    public const string SubscribeTakes = "Subscribe takes one argument: {driveIds: [drive id (a GUID), ...], resumeFrom?: seq (0 or more), epoch?: string}.";
    public const string UnsubscribeTakes = "Unsubscribe takes one argument: an array of drive ids (GUIDs).";
    public const string PingTakes = "Ping takes no argument.";

    public string Name => inner.Name;

    public int Version => inner.Version;

    public TransferFormat TransferFormat => inner.TransferFormat;

    public bool IsVersionSupported(int version) => inner.IsVersionSupported(version);

    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => inner.GetMessageBytes(message);

    public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => inner.WriteMessage(message, output);

    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message)
    {
        if (!inner.TryParseMessage(ref input, binder, out message))
        {
            return false;
        }

        message = message switch
        {
            InvocationBindingFailureMessage failure => Refuse(failure.InvocationId, failure.Target, Explain(failure.Target)),
            InvocationMessage { Target: DeviceHubMethods.Subscribe } call when OutOfRange(call) is { } reason => Refuse(call.InvocationId, call.Target, reason),
            InvocationMessage { Target: DeviceHubMethods.Unsubscribe, Arguments: not [Guid[]] } call => Refuse(call.InvocationId, call.Target, UnsubscribeTakes),
            _ => message,
        };
        return true;
    }

    private static string Explain(string target) => target switch
    {
        DeviceHubMethods.Subscribe => SubscribeTakes,
        DeviceHubMethods.Unsubscribe => UnsubscribeTakes,
        DeviceHubMethods.Ping => PingTakes,
        _ => $"There is no hub method '{target}': the methods are Subscribe, Unsubscribe and Ping.",
    };

    private static string? OutOfRange(InvocationMessage call) => call.Arguments is [SubscribeRequest request]
        ? request.DriveIds is null ? $"driveIds is required. {SubscribeTakes}"
            : request.ResumeFrom is < 0 ? $"resumeFrom must be 0 or more. {SubscribeTakes}"
            : null
        : SubscribeTakes; // a null argument

    private static InvocationBindingFailureMessage Refuse(string? invocationId, string target, string reason) =>
        new(invocationId, target, ExceptionDispatchInfo.Capture(new HubException(reason)));
}
