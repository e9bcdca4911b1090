using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Odin.ClusterPrimitives.Auth;
using Odin.Hosting.Auth;

namespace Odin.Hosting.Tests.Api;

/// <summary>
/// The device-token scheme's verification on its own (<see cref="DeviceTokenValidation"/>): what a minted token
/// yields, and that what is not one is refused with a reason, not an exception.
/// </summary>
public sealed class DeviceTokenValidationTests : IDisposable
{
    private readonly string _keyPath = Path.Combine(Path.GetTempPath(), $"validation-{Guid.NewGuid():N}.pem");
    private readonly SigningKey _key;
    private readonly DeviceTokenValidation _validation;

    public DeviceTokenValidationTests()
    {
        _key = SigningKey.Load(_keyPath, createIfMissing: true);
        _validation = new DeviceTokenValidation(_key);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public async Task A_minted_token_yields_the_device_with_each_of_its_drives(int drives)
    {
        var device = new DeviceIdentity(Guid.NewGuid(), "frodo.example", Guid.NewGuid(), Enumerable.Range(0, drives)
            .ToDictionary(_ => Guid.NewGuid(), i => i % 2 == 0 ? DrivePermission.Read : DrivePermission.Write));
        var (token, expiresAt) = await IssueAsync(device, TimeProvider.System);

        var (principal, tokenExpiresAt, refusal) = await _validation.ValidateAsync(token.AsMemory(), DeviceTokenAuthentication.Scheme);

        Assert.Null(refusal);
        Assert.Equal(expiresAt.ToUnixTimeSeconds(), tokenExpiresAt.ToUnixTimeSeconds());
        var read = DeviceTokenClaims.Read(principal!);
        Assert.NotNull(read);
        Assert.Equal((device.TenantId, device.DeviceId, device.Domain), (read.TenantId, read.DeviceId, read.Domain));
        Assert.Equal(device.Drives.OrderBy(d => d.Key), read.Drives.OrderBy(d => d.Key));
        // Only the device's claims are kept for the connection's life, not the token's registered ones.
        Assert.DoesNotContain(principal!.Claims, c => c.Type is "iss" or "aud" or "exp" or "iat" or "nbf");
        Assert.Equal(device.DeviceId.ToString(), principal.Identity!.Name);
    }

    [Fact]
    public async Task What_is_not_a_valid_device_token_is_refused_with_a_reason()
    {
        var device = new DeviceIdentity(Guid.NewGuid(), "frodo.example", Guid.NewGuid(), new Dictionary<Guid, DrivePermission>());
        var (valid, _) = await IssueAsync(device, TimeProvider.System);
        var (expired, _) = await IssueAsync(device, new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1)));
        var parts = valid.Split('.');
        string[] refused =
        [
            "an-owner-token",
            "a.b.c",
            "!!!.???.***",
            expired,
            valid[..^4] + (valid.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA"),
            // the payload of another token under this one's signature
            $"{parts[0]}.{(await IssueAsync(device with { Drives = new Dictionary<Guid, DrivePermission> { [Guid.NewGuid()] = DrivePermission.Write } }, TimeProvider.System)).Token.Split('.')[1]}.{parts[2]}",
            new string('a', 300_000) + ".b.c",
        ];

        foreach (var token in refused)
        {
            var (principal, _, refusal) = await _validation.ValidateAsync(token.AsMemory(), DeviceTokenAuthentication.Scheme);
            Assert.Null(principal);
            Assert.False(string.IsNullOrEmpty(refusal));
        }
    }

    private Task<(string Token, DateTimeOffset ExpiresAt)> IssueAsync(DeviceIdentity device, TimeProvider time) =>
        new DeviceTokenIssuer(_key, new GeneratedTenantDeviceKeys(), Options.Create(new AuthOptions()), time).IssueAsync(device);

    public void Dispose() => File.Delete(_keyPath);
}
