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

    /// <summary>
    /// The size of one buffer, in KiB: 4 (Kestrel's own), 8, 16, 32 or 64. Larger blocks send a large pass with less work
    /// per byte; a request still arriving holds one block, so a stranger trickling partial requests over many connections
    /// holds this much per connection until Kestrel's header timeout (docs/security.md).
    /// </summary>
    public int BlockKilobytes { get; set; } = 16;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RetainedMegabytes is < 0 or > 65_536)
            yield return new ValidationResult($"{Section}:RetainedMegabytes must be between 0 and 65536", [nameof(RetainedMegabytes)]);
        if (BlockKilobytes is not (4 or 8 or 16 or 32 or 64))
            yield return new ValidationResult($"{Section}:BlockKilobytes must be 4, 8, 16, 32 or 64", [nameof(BlockKilobytes)]);
    }
}
