namespace Odin.LoadTest;

/// <summary>Command-line options of the form <c>--name value</c>; a name may repeat.</summary>
public sealed class Arguments(string[] args)
{
    public string Required(string name) =>
        All(name).FirstOrDefault() ?? throw new ArgumentException($"--{name} is required.");

    public string Optional(string name, string fallback) => All(name).FirstOrDefault() ?? fallback;

    /// <summary>The <c>NAME=VALUE</c> pairs given with <c>--{option}</c> (environment for a process the benchmark starts).</summary>
    public Dictionary<string, string> Environment(string option) =>
        All(option).Select(pair => pair.Split('=', 2)).ToDictionary(
            pair => pair[0], pair => pair.Length == 2 ? pair[1] : throw new ArgumentException($"--{option} {pair[0]}: expected NAME=VALUE."));

    public IEnumerable<string> All(string name)
    {
        for (var i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == $"--{name}")
            {
                yield return args[i + 1];
            }
        }
    }
}
