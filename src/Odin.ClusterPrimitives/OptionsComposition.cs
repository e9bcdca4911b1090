using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Odin.ClusterPrimitives;

public static class OptionsComposition
{
    /// <summary>
    /// Binds <typeparamref name="T"/> to its configuration section and validates its data annotations, once while
    /// the services are composed (so a bad value stops start-up with one line naming the key, before anything is
    /// created on disk or anywhere else) and again when the options are first read, for values set in code.
    /// Returns the validated values, for a composition that needs one now: a composition reads its settings from
    /// here, never raw from the configuration, so nothing is built from a value that was not checked.
    /// </summary>
    public static T AddValidatedOptions<T>(this IServiceCollection services, IConfiguration configuration, string section)
        where T : class, new()
    {
        var options = Check<T>(configuration, section);
        services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateDataAnnotations().ValidateOnStart();
        return options;
    }

    /// <summary>The section's values, bound and validated now; a bad one throws <see cref="StartupConfigurationException"/> naming its key.</summary>
    public static T Check<T>(IConfiguration configuration, string section)
        where T : class, new()
    {
        var options = configuration.GetSection(section).Get<T>() ?? new T(); // an unparsable value throws here (StartupErrors names it)
        var failures = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), failures, validateAllProperties: true))
        {
            var first = failures[0];
            var key = first.MemberNames.FirstOrDefault() is { } member ? $"{section}:{member}" : section;
            throw new StartupConfigurationException($"{StartupErrors.EnvironmentName(key)}: {first.ErrorMessage}");
        }

        return options;
    }
}
