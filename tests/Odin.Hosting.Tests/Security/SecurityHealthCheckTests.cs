using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Odin.Hosting.Devices;
using Odin.Hosting.Jobs;
using Odin.Hosting.Security;
using Odin.Hosting.Storage;
using Odin.Hosting.Tenants;
using Odin.Hosting.Tests.Storage;
using Odin.ClusterPrimitives.Auth;

namespace Odin.Hosting.Tests.Security;

/// <summary>What the check reports, on a clock the test moves.</summary>
public sealed class SecurityHealthCheckTests() : DatabaseTest(Sqlite(out _))
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UnixEpoch.AddYears(56));

    [Fact]
    public async Task A_device_that_can_sign_in_but_was_not_seen_for_the_stale_age_is_reported_and_a_revoked_one_is_not()
    {
        var cache = TestCaches.Memory();
        var (tenant, _) = (await new TenantStore(Database, cache, _time).CreateAsync("alice.example"))!.Value;
        var devices = new DeviceStore(Database, cache, _time);
        await devices.CreateAsync(tenant.Id, "phone", new Dictionary<Guid, DrivePermission>());
        var (old, _) = await devices.CreateAsync(tenant.Id, "old laptop", new Dictionary<Guid, DrivePermission>());
        await devices.RevokeAsync(tenant.Id, old);

        Assert.Empty((await CheckAsync(tenant.Id)).Findings);
        _time.Advance(TimeSpan.FromDays(91));
        var finding = Assert.Single((await CheckAsync(tenant.Id)).Findings);
        Assert.Equal("stale-devices", finding.Code);
        Assert.StartsWith("1 device(s)", finding.Detail);
    }

    private async Task<SecurityHealth> CheckAsync(Guid tenantId)
    {
        var request = SecurityHealthCheck.For(tenantId, new SecurityOptions());
        var job = new JobContext(new ClaimedJob { Id = Guid.NewGuid(), Type = request.Type, Payload = request.Payload, Attempts = 1 });
        await new SecurityHealthCheck(Database, Options.Create(new SecurityOptions()), _time).RunAsync(job, CancellationToken.None);
        await using (var write = await Database.BeginWriteAsync())
        {
            foreach (var completionWrite in job.CompletionWrites)
            {
                await completionWrite(write);
            }

            await write.CommitAsync();
        }

        return (await SecurityHealthCheck.LatestAsync(Database, tenantId, CancellationToken.None))!;
    }
}
