namespace Odin.Testing;

/// <summary>A single node of one test's own (its settings are the test's), with an API client; disposing removes its data.</summary>
public sealed record OdinNode(OdinHost Host, OdinApi Api) : IAsyncDisposable
{
    public static async Task<OdinNode> StartAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var host = await OdinHost.StartAsync(settings);
        return new OdinNode(host, new OdinApi(host.CreateClient()));
    }

    public async ValueTask DisposeAsync()
    {
        Api.Http.Dispose();
        await Host.DisposeAsync();
        Directory.Delete(Host.DataFolder, recursive: true);
    }
}
