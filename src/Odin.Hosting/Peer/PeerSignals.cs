using Odin.Hosting.Common;

namespace Odin.Hosting.Peer;

/// <summary>Wakes this instance's <see cref="PeerOutboxSender"/> when an owner sends a file here.</summary>
public sealed class PeerOutboxSignal : WakeSignal;

/// <summary>Wakes this instance's <see cref="PeerInboxProcessor"/> when a transfer was accepted here.</summary>
public sealed class PeerInboxSignal : WakeSignal;
