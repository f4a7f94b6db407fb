namespace PassGrains.Packaging.Signing;

/// <summary>A certificate or key that cannot sign passes, with a message that says what to do.</summary>
public sealed class PassCertificateException(string message, Exception? inner = null) : Exception(message, inner);
