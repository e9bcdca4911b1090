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

public sealed record DeliveryResult(DeliveryOutcome Outcome, string? Error = null);

/// <summary>The recipient could not ask the sender to confirm a transfer: the sender should try again later.</summary>
public sealed class PeerUnavailableException(string message) : Exception(message);

/// <summary>
/// Calls other identities' peer endpoints: at <c>https://{domain}</c>, or at <see cref="PeerOptions.ResolveTo"/>
/// with the domain as the Host header.
/// </summary>
public sealed class PeerClient(HttpClient http, IOptions<PeerOptions> options)
{
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

            var error = $"{(int)response.StatusCode} from {transfer.Recipient}: {await response.Content.ReadAsStringAsync(cancellationToken)}";
            var transient = response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500;
            return new DeliveryResult(transient ? DeliveryOutcome.Retry : DeliveryOutcome.Refused, error);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new DeliveryResult(DeliveryOutcome.Retry, $"{transfer.Recipient} did not answer: {ex.Message}");
        }
    }

    /// <summary>Asks <paramref name="sender"/> whether it is sending this transfer to <paramref name="recipient"/>; null when it says no.</summary>
    public async Task<PeerConfirmation?> ConfirmAsync(string sender, Guid transferId, string recipient, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Get, sender, $"/api/v1/peer/transfers/{transferId}?recipient={Uri.EscapeDataString(recipient)}");
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            return response.StatusCode switch
            {
                HttpStatusCode.OK => await response.Content.ReadFromJsonAsync<PeerConfirmation>(JsonSerializerOptions.Web, cancellationToken),
                HttpStatusCode.NotFound => null,
                _ => throw new PeerUnavailableException($"{sender} answered {(int)response.StatusCode} when asked to confirm the transfer"),
            };
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new PeerUnavailableException($"{sender} could not be asked to confirm the transfer: {ex.Message}");
        }
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
}
