using Odin.Testing;

namespace Odin.Hosting.Tests;

/// <summary>One real PostgreSQL server for every test class in this collection; each test makes its own database.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}

/// <summary>One single-node Odin host (SQLite) shared by the API and hub tests; each test makes its own tenants.</summary>
[CollectionDefinition(Name)]
public sealed class SingleNodeCollection : ICollectionFixture<SingleNodeHost>
{
    public const string Name = "single-node";
}

public sealed class SingleNodeHost : IAsyncLifetime
{
    public OdinHost Host { get; private set; } = null!;

    public OdinApi Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await OdinHost.StartAsync();
        Api = new OdinApi(Host.CreateClient());
    }

    public async Task DisposeAsync()
    {
        Api.Http.Dispose();
        await Host.DisposeAsync();
        Directory.Delete(Host.DataFolder, recursive: true);
    }
}
