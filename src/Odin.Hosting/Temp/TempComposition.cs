using Odin.Hosting.Cluster;
using Odin.ClusterPrimitives;

namespace Odin.Hosting.Temp;

public static class TempComposition
{
    /// <summary>The instance's folder for request bodies staged on disk, and the leader's sweep of what was left there.</summary>
    public static IServiceCollection AddTempFolder(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<TempFolderOptions>(configuration, TempFolderOptions.Section);
        services.AddSingleton<TempFolder>();
        services.AddLeaderOnly<TempSweeper>();
        return services;
    }
}
