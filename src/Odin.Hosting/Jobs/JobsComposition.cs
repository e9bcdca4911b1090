using Microsoft.Extensions.Options;
using Odin.Hosting.Cluster;
using Odin.ClusterPrimitives;
using Odin.ClusterPrimitives.Observability;

namespace Odin.Hosting.Jobs;

public static class JobsComposition
{
    /// <summary>The jobs table, its runner (on every instance) and the clean-up of finished jobs.</summary>
    public static IServiceCollection AddJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<JobOptions>(configuration, JobOptions.Section);
        services.AddSingleton<JobSignal>();
        services.AddSingleton<JobQueue>();
        services.AddSingleton<JobMetrics>();
        services.AddInstrumentsAtStart<JobMetrics>();
        services.AddEveryInstance<JobRunner>();
        services.AddJobHandler<JobCleanup>(JobCleanup.Type);
        services.AddSingleton(sp => JobCleanup.Schedule(sp.GetRequiredService<IOptions<JobOptions>>().Value));
        return services;
    }

    /// <summary>Makes <typeparamref name="THandler"/> (a singleton) run the jobs of <paramref name="type"/>.</summary>
    public static IServiceCollection AddJobHandler<THandler>(this IServiceCollection services, string type)
        where THandler : class, IJobHandler
    {
        services.AddSingleton<THandler>();
        services.AddSingleton(new JobHandlerRegistration(type, typeof(THandler)));
        return services;
    }
}
