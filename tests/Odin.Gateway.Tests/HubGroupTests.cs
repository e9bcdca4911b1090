using Odin.Gateway.Connections;

namespace Odin.Gateway.Tests;

public sealed class HubGroupsTests
{
    [Fact]
    public void Group_names_separate_tenants_and_drives()
    {
        var tenant = Guid.NewGuid();
        var drive = Guid.NewGuid();
        Assert.Equal($"t:{tenant}", HubGroups.Tenant(tenant));
        Assert.Equal($"t:{tenant}:d:{drive}", HubGroups.Drive(tenant, drive));
        Assert.NotEqual(HubGroups.Drive(tenant, drive), HubGroups.Drive(Guid.NewGuid(), drive));
    }
}
