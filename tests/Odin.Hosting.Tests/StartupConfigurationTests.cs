using Microsoft.Extensions.Configuration;
using Odin.ClusterPrimitives;

namespace Odin.Hosting.Tests;

/// <summary>A bad or missing setting stops start-up with one line that names the key.</summary>
public sealed class StartupConfigurationTests
{
    [Theory]
    [InlineData("Odin:Database:Provider", "Nope", "Odin__Database__Provider: 'Nope' is not valid (expected one of Sqlite, Postgres).")]
    [InlineData("Odin:Auth:DeviceTokenLifetime", "soon", "Odin__Auth__DeviceTokenLifetime: 'soon' is not valid")]
    [InlineData("Odin:Files:MaxContentBytes", "0", "Odin__Files__MaxContentBytes: The field MaxContentBytes must be between")]
    [InlineData("Odin:Notifications:BatchSize", "-5", "Odin__Notifications__BatchSize: ")]
    [InlineData("Odin:Gateway:MaxReceiveMessageSize", "10", "Odin__Gateway__MaxReceiveMessageSize: ")]
    [InlineData("Odin:Cache:Duration", "-00:00:01", "Odin__Cache__Duration: ")]
    [InlineData("Odin:Redis:Configuration", "foo=bar", "Odin__Redis__Configuration: Keyword 'foo' is not supported")]
    [InlineData("Odin:Database:ConnectionString", "", "Odin__Database__ConnectionString is empty.")]
    [InlineData("Odin:Redis:ChannelPrefix", "odin{x}", "Odin__Redis__ChannelPrefix: The prefix must be 1 to 64 letters, digits, '_', '.' or '-'.")]
    [InlineData("Odin:Redis:Configuration", "127.0.0.1:1", "Odin__Auth__SigningKeyPath: ")]
    [InlineData("Odin:Keys:EncryptionKey", "c2hvcnQ=", "Odin__Keys__EncryptionKey must be base64 of exactly 32 bytes")]
    [InlineData("Odin:Keys:EncryptionKey", "not base64!", "Odin__Keys__EncryptionKey must be base64 of exactly 32 bytes")]
    [InlineData("Odin:Keys:AlsoAcceptedEncryptionKey", "c2hvcnQ=", "Odin__Keys__AlsoAcceptedEncryptionKey must be base64 of exactly 32 bytes")]
    [InlineData("Odin:Auth:AlsoAcceptedPublicKeyPath", "/no/such/next.pub.pem", "Odin__Auth__AlsoAcceptedPublicKeyPath: '/no/such/next.pub.pem' does not exist.")]
    [InlineData("Odin:Acme:DirectoryUrl", "not a url", "Odin__Acme__DirectoryUrl: ")]
    [InlineData("Odin:Peer:AllowedNetworks", "127.0.0.0/8, 10.0.0.0/33", "Odin__Peer__AllowedNetworks: '10.0.0.0/33' is not a CIDR block")]
    public async Task Bad_settings_fail_with_one_line_naming_the_key(string key, string value, string expected)
    {
        var folder = Directory.CreateTempSubdirectory("odin-config-").FullName;
        try
        {
            var error = await Record.ExceptionAsync(async () =>
            {
                await using var app = OdinHostingApp.Build([], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Odin:Database:ConnectionString"] = $"Data Source={Path.Combine(folder, "odin.db")}",
                    ["Odin:Auth:SigningKeyPath"] = Path.Combine(folder, "key.pem"),
                    ["Odin:Admin:ApiKey"] = "k",
                    ["Odin:Keys:EncryptionKey"] = Odin.Testing.OdinHost.EncryptionKey,
                    [key] = value,
                }));
                await OdinHostingApp.StartAsync(app);
            });

            Assert.NotNull(error);
            var line = StartupErrors.Describe(error);
            Assert.NotNull(line);
            Assert.StartsWith(expected, line);
            Assert.DoesNotContain('\n', line);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_secret_file_named_after_a_key_is_that_setting_and_overrides_the_environment()
    {
        var folder = Directory.CreateTempSubdirectory("odin-secrets-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "Odin__Admin__ApiKey"), "from-a-file");
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Odin:Admin:ApiKey"] = "from-the-environment", ["Odin:Redis:ChannelPrefix"] = "kept" })
                .AddSecretFiles(folder)
                .AddSecretFiles(Path.Combine(folder, "missing")) // no such folder: nothing read, no error
                .Build();
            Assert.Equal("from-a-file", configuration["Odin:Admin:ApiKey"]);
            Assert.Equal("kept", configuration["Odin:Redis:ChannelPrefix"]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_cluster_node_needs_its_signing_key_file_to_exist()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.pem");
        var error = await Record.ExceptionAsync(() => Task.FromResult(OdinHostingApp.Build([], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Odin:Redis:Configuration"] = "127.0.0.1:1",
            ["Odin:Auth:SigningKeyPath"] = missing,
        }))));
        Assert.StartsWith("Odin__Auth__SigningKeyPath:", StartupErrors.Describe(error!));
        Assert.False(File.Exists(missing));
    }

    [Fact]
    public async Task A_cluster_node_needs_the_key_that_encrypts_private_keys()
    {
        var folder = Directory.CreateTempSubdirectory("odin-config-").FullName;
        try
        {
            var keyPath = Path.Combine(folder, "key.pem");
            Auth.SigningKey.Load(keyPath, createIfMissing: true);
            var error = await Record.ExceptionAsync(() => Task.FromResult(OdinHostingApp.Build([], builder => builder.Configuration.AddInMemoryCollection(
                new Dictionary<string, string?>
                {
                    ["Odin:Redis:Configuration"] = "127.0.0.1:1",
                    ["Odin:Auth:SigningKeyPath"] = keyPath,
                    ["Odin:Admin:ApiKey"] = "k",
                }))));
            Assert.StartsWith("Odin__Keys__EncryptionKey is required", StartupErrors.Describe(error!));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
