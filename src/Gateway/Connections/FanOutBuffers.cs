using System.Globalization;

namespace Odin.Gateway.Connections;

/// <summary>
/// Sizes .NET's shared array pool for a notification's fan-out. SignalR gives each connection a pipe that, for a write,
/// rents a 4 KiB array from <see cref="System.Buffers.ArrayPool{T}.Shared"/> and gives it back once the transport has
/// sent it. A notification to N devices has up to N such writes in flight at once, while the shared pool keeps only 32
/// arrays of a size per core: past those, every write allocated a new 4 KiB array that the pool then dropped (about
/// 3 KB of garbage per delivery, and a collection every few hundred notifications). With room for
/// <see cref="ArraysPerCore"/> a fan-out of that many devices per core reuses the same arrays.
/// </summary>
/// <remarks>
/// The pool keeps only what it gets back, so it holds at most what the largest fan-out had in flight at once (4 MiB
/// per core at this size), and gives back arrays left unused when the GC asks it to trim.
/// </remarks>
public static class FanOutBuffers
{
    /// <summary>The runtime's variable: read once, when the shared pool is first used.</summary>
    public const string Variable = "DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION";

    /// <summary>Arrays of a size kept per core (the runtime's default is 32).</summary>
    public const int ArraysPerCore = 1024;

    /// <summary>
    /// Sets <see cref="Variable"/> for this process unless the operator set it: the first statement of <c>Main</c>, since
    /// the runtime reads it only before the pool's first use.
    /// </summary>
    public static void Size()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
        {
            Environment.SetEnvironmentVariable(Variable, ArraysPerCore.ToString(CultureInfo.InvariantCulture));
        }
    }
}
