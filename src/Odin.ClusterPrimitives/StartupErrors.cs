using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Odin.ClusterPrimitives;

/// <summary>
/// Turns a configuration failure at start-up into the one line an operator needs: the key in
/// environment-variable form and what is wrong with it. Anything else is not a configuration error.
/// </summary>
public static partial class StartupErrors
{
    public static string? Describe(Exception exception) => exception switch
    {
        StartupConfigurationException ex => ex.Message,
        OptionsValidationException ex => $"{EnvironmentName(SectionOf(ex.OptionsType))}: {string.Join(" ", ex.Failures)}",
        InvalidOperationException ex when BindFailure().Match(ex.Message) is { Success: true } match =>
            $"{EnvironmentName(match.Groups["path"].Value)}: '{match.Groups["value"].Value}' is not valid{Expected(ex)}.",
        _ => null,
    };

    /// <summary><c>Odin:Files:MaxContentBytes</c> → <c>Odin__Files__MaxContentBytes</c>.</summary>
    public static string EnvironmentName(string configurationPath) => configurationPath.Replace(":", "__", StringComparison.Ordinal);

    private static string SectionOf(Type optionsType) =>
        optionsType.GetField("Section")?.GetValue(null) as string ?? optionsType.Name;

    private static string Expected(Exception exception)
    {
        var typeName = TargetType().Match(exception.Message).Groups["type"].Value;
        var type = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(typeName)).FirstOrDefault(t => t is not null);
        return type is { IsEnum: true } ? $" (expected one of {string.Join(", ", Enum.GetNames(type))})" : $" for {type?.Name ?? typeName}";
    }

    [GeneratedRegex("Failed to convert configuration value '(?<value>.*)' at '(?<path>[^']+)'")]
    private static partial Regex BindFailure();

    [GeneratedRegex("to type '(?<type>[^']+)'")]
    private static partial Regex TargetType();
}
