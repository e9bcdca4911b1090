using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Odin.Shared;

public static class OptionsComposition
{
    /// <summary>
    /// Binds <typeparamref name="T"/> to its configuration section and validates its data annotations at
    /// start-up, so a bad value stops the process with one line (<see cref="StartupErrors"/>) before it serves.
    /// </summary>
    public static IServiceCollection AddValidatedOptions<T>(this IServiceCollection services, IConfiguration configuration, string section)
        where T : class
    {
        services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }
}
