using System.Net;
using Odin.Testing;

namespace Odin.Hosting.Tests.Security;

/// <summary>
/// Rotating the admin key without a moment when operators are locked out: while an instance runs with the new key and
/// the previous one, both work; once the previous one is removed, only the new one does.
/// </summary>
public sealed class AdminKeyRotationTests
{
    [Fact]
    public async Task During_a_rotation_the_new_and_the_previous_admin_key_both_work_and_after_it_only_the_new_one()
    {
        await using (var rotating = await OdinNode.StartAsync(new Dictionary<string, string?>
                     {
                         ["Odin:Admin:ApiKey"] = "the-new-key",
                         ["Odin:Admin:PreviousApiKey"] = "the-old-key",
                     }))
        {
            Assert.Equal(HttpStatusCode.Created, await CreateTenantAsync(rotating, "the-new-key"));
            Assert.Equal(HttpStatusCode.Created, await CreateTenantAsync(rotating, "the-old-key"));
            Assert.Equal(HttpStatusCode.Unauthorized, await CreateTenantAsync(rotating, "some-other-key"));
        }

        await using var rotated = await OdinNode.StartAsync(new Dictionary<string, string?> { ["Odin:Admin:ApiKey"] = "the-new-key" });
        Assert.Equal(HttpStatusCode.Created, await CreateTenantAsync(rotated, "the-new-key"));
        Assert.Equal(HttpStatusCode.Unauthorized, await CreateTenantAsync(rotated, "the-old-key"));
    }

    private static async Task<HttpStatusCode> CreateTenantAsync(OdinNode node, string adminKey)
    {
        using var response = await node.Api.SendAsync(HttpMethod.Post, "/api/v1/admin/tenants", adminKey, null, new { domain = $"t{Guid.NewGuid():N}.example" });
        return response.StatusCode;
    }
}
