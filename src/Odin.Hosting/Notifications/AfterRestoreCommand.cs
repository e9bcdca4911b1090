using Dapper;
using Odin.Hosting.Storage;

namespace Odin.Hosting.Notifications;

/// <summary>
/// <c>Odin.Hosting after-restore [--seq-gap N]</c>: run once after the database was restored from a backup, before any
/// Hosting instance starts on it (docs/operations.md, "Backing up and restoring PostgreSQL").
/// </summary>
/// <remarks>
/// A restore winds every identity's seq back to where the backup left it, while devices (and the gateways' streams and
/// history) hold seqs handed out after it. The next changes would be numbered with seqs a device has processed already
/// and dropped as repeats: lost. Moving every identity's seq on by a gap larger than any run of changes since the
/// backup makes the next change newer than anything a device holds; a device resuming across the gap is told
/// <c>Resync</c> and re-reads <c>/changes</c> from its cursor, where the new changes are.
/// </remarks>
public static class AfterRestoreCommand
{
    public const string Name = "after-restore";

    /// <summary>A billion changes per identity since the backup: far beyond any, and room for billions of restores in a seq.</summary>
    public const long DefaultSeqGap = 1_000_000_000;

    /// <summary>A gap no larger than the changes since the backup would number new changes with seqs devices hold: refused.</summary>
    public const long MinimumSeqGap = 1_000_000;

    /// <summary>The gap from the arguments after the command's name; null (with <paramref name="error"/>) when they are not understood.</summary>
    public static long? ParseGap(IReadOnlyList<string> arguments, out string? error)
    {
        error = null;
        if (arguments.Count == 0)
        {
            return DefaultSeqGap;
        }

        if (arguments is ["--seq-gap", var value] && long.TryParse(value, out var gap) && gap is >= MinimumSeqGap and <= 1_000_000_000_000)
        {
            return gap;
        }

        error = $"usage: {Name} [--seq-gap N] (N from {MinimumSeqGap} to 10^12; default {DefaultSeqGap})";
        return null;
    }

    /// <summary>Moves every identity's seq on by <paramref name="gap"/> in one transaction; returns how many identities.</summary>
    public static async Task<int> RunAsync(IDatabase database, long gap, CancellationToken cancellationToken = default)
    {
        await using var write = await database.BeginWriteAsync(cancellationToken);
        // One statement over every identity: no time limit (a large installation's takes a while; nothing else runs).
        var moved = await write.Connection.ExecuteAsync("UPDATE tenants SET last_seq = last_seq + @gap", new { gap }, write.Transaction, commandTimeout: 0);
        await write.CommitAsync(cancellationToken);
        return moved;
    }
}
