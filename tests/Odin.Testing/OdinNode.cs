using Xunit;

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

/// <summary>A single node shared by one test class, with the settings the class needs (a class fixture derives and names them).</summary>
public abstract class OdinNodeFixture : IAsyncLifetime
{
    private OdinNode _node = null!;

    /// <summary>Configuration keys (colon form) over the test defaults.</summary>
    protected abstract IReadOnlyDictionary<string, string?> Settings { get; }

    public OdinHost Host => _node.Host;

    public OdinApi Api => _node.Api;

    public async Task InitializeAsync() => _node = await OdinNode.StartAsync(Settings);

    public async Task DisposeAsync() => await _node.DisposeAsync();
}
