namespace PassGrains.Abstractions;

/// <summary>
/// A grain could not read or write its state (the database is unreachable, locked past its busy timeout, or slow past
/// its deadline). Nothing the call changed is kept in memory; the client is told to retry (503 with Retry-After).
/// The message names the database's failure for the log; clients are never shown it. It carries no inner exception:
/// it crosses silos, and a database's exception types have no Orleans codec.
/// </summary>
[GenerateSerializer]
public sealed class StorageUnavailableException : Exception
{
    public StorageUnavailableException()
    {
    }

    public StorageUnavailableException(string message) : base(message)
    {
    }

    public StorageUnavailableException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
