namespace Odin.Contracts;

/// <summary>Body of <c>POST /api/v1/device/token</c> (on the identity's host): the device's id and secret.</summary>
public sealed record DeviceTokenRequest(Guid DeviceId, string? DeviceSecret);

/// <summary>
/// Answer of the device-token endpoint: an ES256 access token for the hub and the device's own REST calls, when it
/// expires, and the hub's URL.
/// </summary>
public sealed record DeviceTokenResponse(string AccessToken, DateTimeOffset ExpiresAt, string HubUrl);
