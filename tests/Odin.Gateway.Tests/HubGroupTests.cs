using Odin.Gateway.Connections;

namespace Odin.Gateway.Tests;

public sealed class HubGroupTests
{
    [Fact]
    public void Groups_separate_tenants_and_drives()
    {
        var tenant = Guid.NewGuid();
        var drive = Guid.NewGuid();
        Assert.Equal(HubGroup.Drive(tenant, drive), HubGroup.Drive(tenant, drive));
        Assert.NotEqual(HubGroup.Drive(tenant, drive), HubGroup.Drive(Guid.NewGuid(), drive));
        Assert.NotEqual(HubGroup.Drive(tenant, drive), HubGroup.Drive(tenant, Guid.NewGuid()));
        Assert.NotEqual(HubGroup.Tenant(tenant), HubGroup.Tenant(Guid.NewGuid()));
        // A drive's group is never its identity's, not even for a drive id of zeros.
        Assert.NotEqual(HubGroup.Tenant(tenant), HubGroup.Drive(tenant, Guid.Empty));
    }
}
