using Odin.Hosting.Cluster;

namespace Odin.Hosting.Tenants;

public static class TenantsComposition
{
    /// <summary>The identities: their store, and the registry every instance keeps in memory and in step.</summary>
    public static IServiceCollection AddTenants(this IServiceCollection services)
    {
        services.AddSingleton<TenantStore>();
        services.AddSingleton<IdentityRegistry>();
        services.AddEveryInstance<RegistrySync>();
        return services;
    }
}
