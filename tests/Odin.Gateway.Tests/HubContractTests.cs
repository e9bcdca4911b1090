using System.Reflection;
using Odin.Contracts;
using Odin.Gateway.Hub;

namespace Odin.Gateway.Tests;

/// <summary>The hub the gateway serves has exactly the methods Odin.Contracts tells devices to call.</summary>
public sealed class HubContractTests
{
    [Fact]
    public void The_hubs_methods_are_the_contracts_method_names()
    {
        var served = typeof(DeviceHub).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => !m.Name.StartsWith("On", StringComparison.Ordinal))
            .Select(m => m.Name)
            .Order();
        var contracted = typeof(DeviceHubMethods).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (string)f.GetRawConstantValue()!)
            .Order();
        Assert.Equal(contracted, served);
    }
}
