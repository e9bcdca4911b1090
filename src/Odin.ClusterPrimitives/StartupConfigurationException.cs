namespace Odin.ClusterPrimitives;

/// <summary>A configuration value is missing or wrong. Its message is one line that names the key; Main prints it and exits 1.</summary>
public sealed class StartupConfigurationException(string message) : Exception(message);
