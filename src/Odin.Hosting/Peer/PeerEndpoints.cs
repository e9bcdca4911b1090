using Microsoft.Extensions.Options;
using Odin.Hosting.Auth;
using Odin.Hosting.Common;
using Odin.Hosting.Drives;
using Odin.Hosting.Edge;
using Odin.Hosting.Tenants;

namespace Odin.Hosting.Peer;

/// <summary>
/// The owner's side of peer transfer (send a file, see how its delivery went) and the two endpoints other
/// Odin servers call: the inbox, and the confirmation a recipient asks of the sender. Peer calls carry no
/// credentials; a recipient believes a transfer only after the sender's own server confirmed it.
/// </summary>
public static class PeerEndpoints
{
    private const int MaxTagLength = 64;

    public static IEndpointRouteBuilder MapPeerEndpoints(this IEndpointRouteBuilder api)
    {
        var owner = api.MapGroup("/owner/transfers").ForTenantHost().RequireOwner().WithTags("Peer transfer");
        owner.MapPost("", SendAsync).WithSummary("Send a copy of a file to another identity's drive (202; delivery is retried in the background)")
            .Produces<TransferAccepted>(StatusCodes.Status202Accepted);
        owner.MapGet("/{transferId:guid}", StatusAsync).WithSummary("How a transfer's delivery went: pending, delivered or failed").Produces<TransferStatus>();

        var peer = api.MapGroup("/peer").ForTenantHost().WithTags("Peer transfer");
        peer.MapPost("/inbox", AcceptAsync).WithRateLimit(RateLimitClass.PeerInbox).WithSummary("Another Odin delivers a transfer to this identity (it is confirmed with the sender first)")
            .Produces(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        peer.MapGet("/transfers/{transferId:guid}", ConfirmAsync).WithSummary("A recipient asks this identity to confirm a transfer it says it received")
            .Produces<PeerConfirmation>();
        return api;
    }

    private static async Task<IResult> SendAsync(
        SendFileRequest request, HttpContext context, DriveStore drives, PeerOutbox outbox, PeerOutboxSignal signal)
    {
        if (!DomainName.TryNormalize(request.Recipient, out var recipient, out var reason))
        {
            return Problems.BadRequest($"recipient: {reason}");
        }

        if (!DriveEndpoints.IsValidAlias(request.DriveAlias))
        {
            return Problems.BadRequest($"driveAlias (the recipient's drive) {DriveEndpoints.AliasRule}.");
        }

        var tenant = context.Tenant();
        if (!await drives.ExistsAsync(tenant.Id, request.DriveId, context.RequestAborted))
        {
            return Problems.NotFound($"No drive {request.DriveId}.");
        }

        if (await outbox.CreateAsync(tenant.Id, recipient, request.DriveAlias, request.DriveId, request.FileId, context.RequestAborted) is not { } transferId)
        {
            return Problems.NotFound($"No file {request.FileId} in drive {request.DriveId}.");
        }

        signal.WakeLocal();
        return TypedResults.Accepted($"/api/v1/owner/transfers/{transferId}", new TransferAccepted(transferId));
    }

    private static async Task<IResult> StatusAsync(Guid transferId, HttpContext context, PeerOutbox outbox) =>
        await outbox.StatusAsync(context.Tenant().Id, transferId, context.RequestAborted) is { } status
            ? TypedResults.Ok(status)
            : Problems.NotFound($"No transfer {transferId}.");

    private static async Task<IResult> ConfirmAsync(Guid transferId, string? recipient, HttpContext context, PeerOutbox outbox)
    {
        if (!DomainName.TryNormalize(recipient, out var domain, out var reason))
        {
            return Problems.BadRequest($"recipient: {reason}");
        }

        // The same answer for "no such transfer" and "not yours": a guesser learns nothing.
        return await outbox.ConfirmAsync(context.Tenant().Id, transferId, domain, context.RequestAborted) is { } confirmation
            ? TypedResults.Ok(confirmation)
            : Problems.NotFound($"{context.Tenant().Domain} is not sending transfer {transferId} to {domain}.");
    }

    private static async Task<IResult> AcceptAsync(
        PeerDelivery delivery, HttpContext context, DriveStore drives, PeerClient peers, PeerInbox inbox, PeerInboxSignal signal,
        IOptions<Files.FileOptions> fileOptions)
    {
        if (Validate(delivery, fileOptions.Value) is { } invalid)
        {
            return invalid;
        }

        DomainName.TryNormalize(delivery.Sender, out var sender, out _);
        var tenant = context.Tenant();

        // Nothing about this identity's drives is said before the sender's own server confirmed the transfer.
        PeerConfirmation? confirmation;
        try
        {
            confirmation = await peers.ConfirmAsync(sender!, delivery.TransferId, tenant.Domain, context.RequestAborted);
        }
        catch (PeerUnavailableException ex)
        {
            return Problems.Result(StatusCodes.Status503ServiceUnavailable, "Sender unreachable", $"{ex.Message}; deliver again later.");
        }

        if (confirmation is null || confirmation.FileId != delivery.FileId || confirmation.VersionTag != delivery.VersionTag || confirmation.ContentHash != delivery.ContentHash)
        {
            return Problems.Forbidden($"{sender} did not confirm transfer {delivery.TransferId} as delivered.");
        }

        if (await drives.FindByAliasAsync(tenant.Id, delivery.DriveAlias!, context.RequestAborted) is not { } driveId)
        {
            return Problems.NotFound($"{tenant.Domain} has no drive '{delivery.DriveAlias}'.");
        }

        await inbox.AcceptAsync(tenant.Id, sender!, delivery.TransferId, driveId, delivery.FileId, delivery.VersionTag!, delivery.Metadata, delivery.Content,
            context.RequestAborted);
        signal.WakeLocal();
        return TypedResults.Accepted((string?)null);
    }

    private static IResult? Validate(PeerDelivery delivery, Files.FileOptions limits)
    {
        if (!DomainName.TryNormalize(delivery.Sender, out _, out var reason))
        {
            return Problems.BadRequest($"sender: {reason}");
        }

        if (!DriveEndpoints.IsValidAlias(delivery.DriveAlias))
        {
            return Problems.BadRequest($"driveAlias {DriveEndpoints.AliasRule}.");
        }

        if (delivery.TransferId == Guid.Empty || delivery.FileId == Guid.Empty)
        {
            return Problems.BadRequest("transferId and fileId are required.");
        }

        if (string.IsNullOrEmpty(delivery.VersionTag) || delivery.VersionTag.Length > MaxTagLength || string.IsNullOrEmpty(delivery.ContentHash))
        {
            return Problems.BadRequest($"versionTag (at most {MaxTagLength} characters) and contentHash are required.");
        }

        if (delivery.Metadata?.Length > limits.MaxMetadataBytes || delivery.Content?.Length > limits.MaxContentBytes)
        {
            return Files.FileEndpoints.TooLarge(limits);
        }

        if (delivery.Metadata is not null && !IsJsonObject(delivery.Metadata))
        {
            return Problems.BadRequest("metadata must be the text of a JSON object.");
        }

        return PeerContent.Hash(delivery.Metadata, delivery.Content) == delivery.ContentHash
            ? null
            : Problems.BadRequest("contentHash does not match the metadata and content sent.");
    }

    private static bool IsJsonObject(string text)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(text);
            return document.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }
}
