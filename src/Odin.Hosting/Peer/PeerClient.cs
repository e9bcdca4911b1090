using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Odin.Hosting.Peer;

public enum DeliveryOutcome
{
    Delivered,

    /// <summary>Worth trying again later: the recipient was unreachable, overloaded or failing.</summary>
    Retry,

    /// <summary>The recipient refused it for good (no such identity or drive, not confirmed, malformed).</summary>
    Refused,
}

/// <param name="Error">What the transfer's owner is told: a fixed sentence and at most a status code.</param>
public sealed record DeliveryResult(DeliveryOutcome Outcome, string? Error = null);

/// <summary>The recipient could not ask the sender to confirm a transfer: the sender should try again later.</summary>
public sealed class PeerUnavailableException() : Exception("the sender's server could not be reached to confirm the transfer");

/// <summary>
/// Calls other identities' peer endpoints: at <c>https://{domain}</c>, or at <see cref="PeerOptions.ResolveTo"/>
/// with the domain as the Host header. The HTTP client it is given connects only where
/// <see cref="PeerAddressPolicy"/> allows and follows no redirect.
/// </summary>
/// <remarks>
/// What a peer answered and why a call failed is logged, never handed back: an owner's transfer status and
/// the anonymous inbox's answers carry fixed sentences, so neither can be used to read a remote body or to
/// probe which hosts and ports answer.
/// </remarks>
public sealed partial class PeerClient(HttpClient http, IOptions<PeerOptions> options, ILogger<PeerClient> logger)
{
    public const string Unreachable = "the peer could not be reached";

    public async Task<DeliveryResult> DeliverAsync(OutgoingTransfer transfer, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Post, transfer.Recipient, "/api/v1/peer/inbox");
        request.Content = JsonContent.Create(
            new PeerDelivery(transfer.Sender, transfer.Id, transfer.DriveAlias, transfer.FileId, transfer.VersionTag, transfer.Metadata, transfer.Content, transfer.ContentHash),
            options: JsonSerializerOptions.Web);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return new DeliveryResult(DeliveryOutcome.Delivered);
            }

            var status = (int)response.StatusCode;
            LogAnswered(logger, transfer.Recipient, status, await BodyStartAsync(response, cancellationToken));
            return status switch
            {
                >= 300 and < 400 => new(DeliveryOutcome.Refused, $"the recipient's server answered with a redirect, which peer calls do not follow (HTTP {status})"),
                408 or 429 or >= 500 => new(DeliveryOutcome.Retry, $"the recipient's server is unavailable (HTTP {status})"),
                _ => new(DeliveryOutcome.Refused, $"the recipient's server refused the transfer (HTTP {status})"),
            };
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(logger, transfer.Recipient, ex);
            return new DeliveryResult(DeliveryOutcome.Retry, Unreachable);
        }
    }

    /// <summary>Asks <paramref name="sender"/> whether it is sending this transfer to <paramref name="recipient"/>; null when it says no.</summary>
    public async Task<PeerConfirmation?> ConfirmAsync(string sender, Guid transferId, string recipient, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Get, sender, $"/api/v1/peer/transfers/{transferId}?recipient={Uri.EscapeDataString(recipient)}");
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    return await response.Content.ReadFromJsonAsync<PeerConfirmation>(JsonSerializerOptions.Web, cancellationToken);
                case HttpStatusCode.NotFound:
                    return null;
                default:
                    LogAnswered(logger, sender, (int)response.StatusCode, await BodyStartAsync(response, cancellationToken));
                    throw new PeerUnavailableException();
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(logger, sender, ex);
            throw new PeerUnavailableException();
        }
    }

    /// <summary>The first few hundred characters of a refusal, for the log.</summary>
    private static async Task<string> BodyStartAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return body.Length <= 300 ? body : body[..300];
    }

    private HttpRequestMessage Request(HttpMethod method, string domain, string path)
    {
        if (string.IsNullOrEmpty(options.Value.ResolveTo))
        {
            return new HttpRequestMessage(method, new Uri($"https://{domain}{path}"));
        }

        var request = new HttpRequestMessage(method, new Uri(new Uri(options.Value.ResolveTo), path));
        request.Headers.Host = domain;
        return request;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Peer {Domain} answered {Status}: {Body}")]
    private static partial void LogAnswered(ILogger logger, string domain, int status, string body);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Peer {Domain} could not be reached")]
    private static partial void LogUnreachable(ILogger logger, string domain, Exception exception);
}
