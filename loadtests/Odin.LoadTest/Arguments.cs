namespace Odin.LoadTest;

/// <summary>Command-line options of the form <c>--name value</c>; a name may repeat.</summary>
public sealed class Arguments(string[] args)
{
    public string Required(string name) =>
        All(name).FirstOrDefault() ?? throw new ArgumentException($"--{name} is required.");

    public string Optional(string name, string fallback) => All(name).FirstOrDefault() ?? fallback;

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
