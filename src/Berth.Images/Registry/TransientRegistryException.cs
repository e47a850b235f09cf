namespace Berth.Images.Registry;

/// <summary>
/// A registry request that failed in a way that may pass (the connection broke, the registry answered 5xx or 429)
/// where the whole operation, not the request alone, must be tried again (a blob upload starts a new session). An
/// <see cref="IOException"/>, so that <see cref="RetryPolicy.RunAsync{T}"/> tries again.
/// </summary>
internal sealed class TransientRegistryException(string message, Exception? inner = null) : IOException(message, inner);
