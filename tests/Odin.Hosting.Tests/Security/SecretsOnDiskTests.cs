using Odin.Testing;

namespace Odin.Hosting.Tests.Security;

/// <summary>
/// The README's first command, run for real in an empty folder: everything it creates under <c>data/</c>
/// (the folder, the database and its WAL files, the signing key, the admin key, the encryption key) is the
/// running user's alone from the first byte, and the admin key is never printed.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SecretsOnDiskTests
{
    [Fact]
    public async Task A_fresh_single_node_creates_its_data_folder_0700_and_every_secret_and_database_file_0600_and_prints_no_secret()
    {
        var folder = Directory.CreateTempSubdirectory("odin-first-start-").FullName;
        try
        {
            await using (var node = new ProcessHost("single", RepositoryPaths.Executable("Odin.Hosting", "Odin.Hosting"), new Dictionary<string, string>(), folder, workingDirectory: folder))
            {
                await node.StartAsync();
                // A write, so the WAL files exist too.
                using var http = new HttpClient { BaseAddress = node.BaseAddress };
                var admin = (await File.ReadAllTextAsync(Path.Combine(folder, "data", "admin-key"))).Trim();
                var api = new OdinApi(http);
                using var created = await api.SendAsync(HttpMethod.Post, "/api/v1/admin/tenants", admin, null, new { domain = "first-start.example" });
                Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);

                var data = Path.Combine(folder, "data");
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(data));
                foreach (var name in new[] { "odin.db", "odin.db-wal", "odin.db-shm", "signing-key.pem", "admin-key", "keys-encryption-key" })
                {
                    var path = Path.Combine(data, name);
                    Assert.True(File.Exists(path), $"{name} exists");
                    Assert.Equal((name, UnixFileMode.UserRead | UnixFileMode.UserWrite), (name, File.GetUnixFileMode(path)));
                }

                var log = await File.ReadAllTextAsync(node.LogPath);
                Assert.Contains("admin-key", log, StringComparison.Ordinal); // where it is kept
                Assert.DoesNotContain(admin, log, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
