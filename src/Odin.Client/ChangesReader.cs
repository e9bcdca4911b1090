using System.Net.Http.Json;

namespace Odin.Client;

/// <summary>
/// Re-reads <c>/changes</c> after a <c>Resync</c>: what the subscribed drives changed after the device's last seq,
/// merged in seq order.
/// </summary>
internal sealed class ChangesReader(OdinHttp http)
{
    private const int PageSize = 1000;

    /// <summary>A file's latest change, as <c>/changes</c> lists it.</summary>
    public sealed record FileChange(Guid FileId, string VersionTag, bool Deleted, long Modified, long Seq)
    {
        public Guid DriveId { get; init; }
    }

    private sealed record ChangesPage(List<FileChange> Changes, long Cursor, bool HasMore);

    /// <summary>
    /// The changes of <paramref name="drives"/> after <paramref name="after"/> up to <c>Through</c>, in seq order.
    /// </summary>
    /// <remarks>
    /// Two passes, because the drives are read one after another: a change committed to drive A after A was read
    /// but before drive B showed a higher seq would otherwise be skipped (raised neither here, nor live, where it
    /// arrives below the device's new position). Seqs are taken under one lock per identity, so once the first pass
    /// has seen <c>Through</c>, every seq at or below it is committed, and the second pass sees each of them (or its
    /// file's later change, which is newer than <c>Through</c> and comes live).
    /// </remarks>
    public async Task<(IReadOnlyList<FileChange> Changes, long Through)> ReadAsync(
        IReadOnlyList<Guid> drives, long after, string accessToken, CancellationToken cancellationToken)
    {
        var first = await ReadDrivesAsync(drives, after, accessToken, cancellationToken);
        if (first.Count == 0)
        {
            return ([], after);
        }

        var through = first.Max(c => c.Seq);
        var second = await ReadDrivesAsync(drives, after, accessToken, cancellationToken);
        return ([.. second.Where(c => c.Seq <= through).OrderBy(c => c.Seq)], through);
    }

    private async Task<List<FileChange>> ReadDrivesAsync(IReadOnlyList<Guid> drives, long after, string accessToken, CancellationToken cancellationToken)
    {
        var all = new List<FileChange>();
        foreach (var drive in drives)
        {
            for (var cursor = after; ;)
            {
                using var response = await http.SendAsync(HttpMethod.Get, $"/api/v1/drives/{drive}/changes?cursor={cursor}&limit={PageSize}",
                    accessToken, json: null, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    throw new HttpRequestException(
                        $"Reading the changes of drive {drive} answered {(int)response.StatusCode}: {await OdinHttp.DetailAsync(response, cancellationToken)}",
                        null, response.StatusCode);
                }

                var page = await response.Content.ReadFromJsonAsync<ChangesPage>(OdinHttp.Json, cancellationToken)
                           ?? throw new HttpRequestException("The changes feed answered an empty body.");
                all.AddRange(page.Changes.Select(c => c with { DriveId = drive }));
                if (!page.HasMore)
                {
                    break;
                }

                if (page.Cursor <= cursor)
                {
                    // Taking the pages read so far as the whole would skip what the feed still holds.
                    throw new HttpRequestException($"The changes feed of drive {drive} says it has more after cursor {cursor} but does not move past it.");
                }

                cursor = page.Cursor;
            }
        }

        return all;
    }
}
