using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using PassGrains.Abstractions;

namespace PassGrains.Grains;

/// <summary>
/// Stores the first version of a pass without activating its grain, through the same storage provider
/// and state name the grain reads. Batch issuing writes a million passes nobody holds yet: an activation
/// each would cost a storage read, two directory messages and memory, for a grain that goes idle at once.
/// The write only ever creates: if the row exists (ETag conflict) the pass was issued before and is left
/// untouched; it is this issue's own pass (<see cref="PassIssueStatus.IssuedBefore"/>) when its stored origin is
/// the issue's. A <see cref="PassGrain"/> activated earlier with "no such pass" reads again before saying so.
/// </summary>
public sealed class NewPassWriter(
    [FromKeyedServices(StorageNames.Provider)] IGrainStorage storage,
    IGrainFactory grains,
    PassTokens tokens,
    TimeProvider time,
    Microsoft.Extensions.Logging.ILogger<NewPassWriter> logger)
{
    public async Task<PassIssueStatus> IssueAsync(string passTypeIdentifier, string serialNumber, PassIssue issue)
    {
        var grainId = grains.GetGrain<IPassGrain>(GrainKeys.Pass(passTypeIdentifier, serialNumber)).GetGrainId();
        var nonce = PassTokens.NewNonce();
        // The pass's outbox holds its pass.issued event, reserved in the feed first, as when the grain issues it (EventOutbox.cs).
        var events = new EventOutbox(grains, GrainKeys.Pass(passTypeIdentifier, serialNumber), logger);
        await events.ReserveAsync([]);
        var pass = new PassState();
        pass.Issue(passTypeIdentifier, serialNumber, issue, nonce, PassTokens.Hash(tokens.TokenFor(nonce)), time.GetUtcNow());
        try
        {
            await storage.WriteStateAsync(StorageNames.Pass, grainId, new GrainState<PassState>(pass));
        }
        catch (InconsistentStateException)
        {
            return issue.Origin is null ? PassIssueStatus.AlreadyExists : await ExistingAsync(grainId, issue.Origin);
        }
        catch (Exception e) when (e is not StorageUnavailableException)
        {
            // The database's own exception (Npgsql, SQLite) is transient to a batch line like any failed grain write: retried.
            throw new StorageUnavailableException($"the pass could not be stored ({e.GetType().Name})", e);
        }
        await events.HandOnAsync(pass.Outbox);
        return PassIssueStatus.Created;
    }

    private async Task<PassIssueStatus> ExistingAsync(GrainId grainId, PassOrigin origin)
    {
        var existing = new GrainState<PassState>(new PassState());
        try
        {
            await storage.ReadStateAsync(StorageNames.Pass, grainId, existing);
        }
        catch (Exception e) when (e is not StorageUnavailableException)
        {
            throw new StorageUnavailableException($"the existing pass could not be read ({e.GetType().Name})", e);
        }
        return existing.State?.IsFrom(origin) == true ? PassIssueStatus.IssuedBefore : PassIssueStatus.AlreadyExists;
    }
}
