using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Tokens;
using Odin.ClusterPrimitives.Auth;
using Odin.Hosting.Auth;
using Odin.Testing;

namespace Odin.Hosting.Tests.Api;

/// <summary>
/// The device-token scheme's verification on its own (<see cref="DeviceTokenValidation"/>): what a minted token
/// yields, that what is not one is refused with a reason, not an exception, and that a token known from before is
/// not checked again, yet refused once it expires or its installation key is gone.
/// </summary>
public sealed class DeviceTokenValidationTests : IDisposable
{
    private readonly string _keyPath = Path.Combine(Path.GetTempPath(), $"validation-{Guid.NewGuid():N}.pem");
    private readonly SigningKey _key;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly CountingKeys _keys;
    private readonly DeviceTokenValidation _validation;

    public DeviceTokenValidationTests()
    {
        _key = SigningKey.Load(_keyPath, createIfMissing: true);
        _keys = new CountingKeys(_key.ValidationKeys);
        _validation = new DeviceTokenValidation(_keys, _time);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public async Task A_minted_token_yields_the_device_with_each_of_its_drives(int drives)
    {
        var device = new DeviceIdentity(Guid.NewGuid(), "frodo.example", Guid.NewGuid(), Enumerable.Range(0, drives)
            .ToDictionary(_ => Guid.NewGuid(), i => i % 2 == 0 ? DrivePermission.Read : DrivePermission.Write));
        var (token, expiresAt) = await IssueAsync(device, _time);

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
        var (valid, _) = await IssueAsync(device, _time);
        var (expired, _) = await IssueAsync(device, new FakeTimeProvider(_time.GetUtcNow().AddHours(-1)));
        var parts = valid.Split('.');
        string[] refused =
        [
            "an-owner-token",
            "a.b.c",
            "!!!.???.***",
            expired,
            TamperedToken.Of(valid),
            // the payload of another token under this one's signature
            $"{parts[0]}.{(await IssueAsync(device with { Drives = new Dictionary<Guid, DrivePermission> { [Guid.NewGuid()] = DrivePermission.Write } }, _time)).Token.Split('.')[1]}.{parts[2]}",
            new string('a', 300_000) + ".b.c",
        ];

        foreach (var token in refused)
        {
            var (principal, _, refusal) = await _validation.ValidateAsync(token.AsMemory(), DeviceTokenAuthentication.Scheme);
            Assert.Null(principal);
            Assert.False(string.IsNullOrEmpty(refusal));
        }
    }

    [Fact]
    public async Task A_token_verified_before_is_known_without_a_second_check_until_it_expires()
    {
        var device = new DeviceIdentity(Guid.NewGuid(), "frodo.example", Guid.NewGuid(), new Dictionary<Guid, DrivePermission> { [Guid.NewGuid()] = DrivePermission.Read });
        var (token, expiresAt) = await IssueAsync(device, _time);

        var first = await _validation.ValidateAsync(token.AsMemory(), DeviceTokenAuthentication.Scheme);
        var checks = _keys.Reads;
        var again = await _validation.ValidateAsync(token.AsMemory(), DeviceTokenAuthentication.Scheme);

        // Verifying reads the installation keys twice (the voucher's check, and to note which set it held under);
        // knowing the token reads them once, to see that set is still the current one.
        Assert.Equal(1, _keys.Reads - checks);
        Assert.Equal(first.ExpiresAt, again.ExpiresAt);
        Assert.Equal(first.Principal!.Claims.Select(c => (c.Type, c.Value)), again.Principal!.Claims.Select(c => (c.Type, c.Value)));

        // Within the 30 s of clock skew the library allows, then not: known or not, an expired token is refused.
        _time.SetUtcNow(expiresAt + TimeSpan.FromSeconds(29));
        Assert.Null((await _validation.ValidateAsync(token.AsMemory(), DeviceTokenAuthentication.Scheme)).Refusal);
        _time.SetUtcNow(expiresAt + TimeSpan.FromSeconds(31));
        Assert.NotNull((await _validation.ValidateAsync(token.AsMemory(), DeviceTokenAuthentication.Scheme)).Refusal);
    }

    [Fact]
    public async Task A_known_token_is_refused_once_its_installation_key_is_no_longer_trusted()
    {
        var device = new DeviceIdentity(Guid.NewGuid(), "frodo.example", Guid.NewGuid(), new Dictionary<Guid, DrivePermission>());
        var (token, _) = await IssueAsync(device, _time);
        Assert.Null((await _validation.ValidateAsync(token.AsMemory(), DeviceTokenAuthentication.Scheme)).Refusal);

        // The key rotated out: the set is another key's alone.
        var otherPath = Path.Combine(Path.GetTempPath(), $"validation-{Guid.NewGuid():N}.pem");
        try
        {
            _keys.Current = SigningKey.Load(otherPath, createIfMissing: true).ValidationKeys;
            var (principal, _, refusal) = await _validation.ValidateAsync(token.AsMemory(), DeviceTokenAuthentication.Scheme);
            Assert.Null(principal);
            Assert.NotNull(refusal);
        }
        finally
        {
            File.Delete(otherPath);
        }
    }

    [Fact]
    public async Task A_token_with_null_claims_yields_the_device_without_them_not_an_error()
    {
        // No issuer of Odin's writes nulls; a holder of an identity's key could. The claims that are null are left out.
        var tenant = Guid.NewGuid();
        using var tenantKey = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var token = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = DeviceTokenClaims.Issuer,
            Audience = DeviceTokenClaims.Audience,
            Claims = new Dictionary<string, object>
            {
                [DeviceTokenClaims.DeviceId] = Guid.NewGuid().ToString(),
                [DeviceTokenClaims.TenantId] = tenant.ToString(),
                [DeviceTokenClaims.Domain] = null!,
                [DeviceTokenClaims.Drive] = null!,
            },
            Expires = _time.GetUtcNow().AddMinutes(5).UtcDateTime,
            NotBefore = _time.GetUtcNow().UtcDateTime,
            SigningCredentials = new SigningCredentials(DeviceTokenKeyId.WithKeyId(tenantKey), SecurityAlgorithms.EcdsaSha256),
            AdditionalHeaderClaims = new Dictionary<string, object> { [TenantKeyCertificate.HeaderName] = TenantKeyCertificate.Create(_key.Key.ECDsa, tenant, tenantKey) },
        });

        for (var time = 0; time < 2; time++) // verified, then known
        {
            var (principal, _, refusal) = await _validation.ValidateAsync(token.AsMemory(), DeviceTokenAuthentication.Scheme);
            Assert.Null(refusal);
            var device = DeviceTokenClaims.Read(principal!);
            Assert.NotNull(device);
            Assert.Equal((tenant, "", 0), (device.TenantId, device.Domain, device.Drives.Count));
        }
    }

    /// <summary>The installation keys, replaceable (a rotation), counting how often they are read.</summary>
    private sealed class CountingKeys(IReadOnlyList<SecurityKey> keys) : IDeviceTokenKeys
    {
        private int _reads;

        public IReadOnlyList<SecurityKey> Current { get; set; } = keys;

        public int Reads => _reads;

        public IReadOnlyList<SecurityKey> ValidationKeys
        {
            get
            {
                Interlocked.Increment(ref _reads);
                return Current;
            }
        }
    }

    private Task<(string Token, DateTimeOffset ExpiresAt)> IssueAsync(DeviceIdentity device, TimeProvider time) =>
        new DeviceTokenIssuer(_key, new GeneratedTenantDeviceKeys(), Options.Create(new AuthOptions()), time).IssueAsync(device);

    public void Dispose() => File.Delete(_keyPath);
}
