using System.ComponentModel.DataAnnotations;

namespace PassGrains.Server.Http;

/// <summary>The <c>PassGrains:ConnectionBuffers</c> configuration section (<see cref="ConnectionBufferPool"/>), checked at start-up.</summary>
public sealed class ConnectionBufferOptions : IValidatableObject
{
    public const string Section = "PassGrains:ConnectionBuffers";

    /// <summary>
    /// Memory of returned connection buffers the silo keeps for the next requests and responses, in MiB; buffers in use
    /// are not counted (a download in flight holds its pass's bytes until the socket has taken them). 0 keeps none.
    /// </summary>
    public int RetainedMegabytes { get; set; } = 256;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RetainedMegabytes is < 0 or > 65_536)
            yield return new ValidationResult($"{Section}:RetainedMegabytes must be between 0 and 65536", [nameof(RetainedMegabytes)]);
    }
}
