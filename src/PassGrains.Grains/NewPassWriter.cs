using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using PassGrains.Abstractions;

namespace PassGrains.Grains;

/// <summary>
/// Stores the first version of a pass without activating its grain, through the same storage provider
/// and state name the grain reads. Batch issuing writes a million passes nobody holds yet: an activation
/// each would cost a storage read, two directory messages and memory, for a grain that goes idle at once.
/// The write only ever creates: if the row exists (ETag conflict) the pass was issued before and is left
/// untouched. A <see cref="PassGrain"/> activated earlier with "no such pass" reads again before saying so.
/// </summary>
public sealed class NewPassWriter(
    [FromKeyedServices(StorageNames.Provider)] IGrainStorage storage,
    IGrainFactory grains,
    PassTokens tokens,
    ILifecycleEvents events,
    TimeProvider time)
{
    public async Task<PassIssueStatus> IssueAsync(string passTypeIdentifier, string serialNumber, PassIssue issue)
    {
        var grainId = grains.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, serialNumber)).GetGrainId();
        var nonce = PassTokens.NewNonce();
        var pass = new PassState();
        pass.Issue(passTypeIdentifier, serialNumber, issue, nonce, PassTokens.Hash(tokens.TokenFor(nonce)), time.GetUtcNow());
        try
        {
            await storage.WriteStateAsync(StorageNames.Pass, grainId, new GrainState<PassState>(pass));
        }
        catch (InconsistentStateException)
        {
            return PassIssueStatus.AlreadyExists;
        }
        events.Publish(new LifecycleEvent(LifecycleEventTypes.PassIssued, passTypeIdentifier, serialNumber, pass.IssuedAt, pass.Version));
        return PassIssueStatus.Created;
    }
}
