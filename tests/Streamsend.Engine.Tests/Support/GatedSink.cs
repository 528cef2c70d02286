using Streamsend.Engine.Events;
using Streamsend.Engine.Sinks;

namespace Streamsend.Engine.Tests.Support;

/// <summary>
/// A sink around another that can hold chosen files' landing back at a gate, or make it fail as a killed process's
/// would, and that writes "landed PATH" into the receiver's own event log when a landing returns, so tests see it in
/// order with the receiver's commits.
/// </summary>
public sealed class GatedSink : IFileSink
{
    private readonly IFileSink inner;
    private readonly IEngineEventSink log;
    private readonly Func<string, bool> gated;
    private readonly TaskCompletionSource<bool> gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<bool> reachedGate = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly TimeSpan landingTime;

    /// <param name="landingTime">How much longer every landing takes, so that commits fall while files are landing.</param>
    public GatedSink(IFileSink inner, IEngineEventSink log, Func<string, bool> gated, TimeSpan landingTime = default)
    {
        this.landingTime = landingTime;
        this.inner = inner;
        this.log = log;
        this.gated = gated;
    }

    public const string LandedPrefix = "landed ";

    /// <summary>Completes when a gated file's landing is waiting at the gate.</summary>
    public Task ReachedGate => reachedGate.Task;

    public void Open() => gate.TrySetResult(true);

    /// <summary>The gated landings fail, as the landing of a receiver killed at that moment never completes.</summary>
    public void Kill() => gate.TrySetResult(false);

    public string Destination => inner.Destination;

    public ValueTask PrepareAsync(CancellationToken cancellationToken) => inner.PrepareAsync(cancellationToken);

    public ValueTask<bool> WasLandedAsync(IncomingFile file, CancellationToken cancellationToken) => inner.WasLandedAsync(file, cancellationToken);

    public ValueTask<IReadOnlyList<KeptTransfer>> KeptAsync(CancellationToken cancellationToken) => inner.KeptAsync(cancellationToken);

    public ValueTask DiscardKeptAsync(Guid transferId) => inner.DiscardKeptAsync(transferId);

    public async ValueTask<IPartialFile> BeginAsync(IncomingFile file, CancellationToken cancellationToken) =>
        new GatedPartialFile(this, file.RelativePath, await inner.BeginAsync(file, cancellationToken));

    public ValueTask<IReadOnlyList<FileLanding>> LandAllAsync(IReadOnlyList<CompleteFile> files, CancellationToken cancellationToken) => inner.LandAllAsync(files, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private sealed class GatedPartialFile(GatedSink sink, string relativePath, IPartialFile inner) : IPartialFile
    {
        public string FinalLocation => inner.FinalLocation;

        public StagedProgress? Kept => inner.Kept;

        public bool HashesItself => inner.HashesItself;

        public ValueTask<string> HashStagedAsync(CancellationToken cancellationToken) => inner.HashStagedAsync(cancellationToken);

        public ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => inner.WriteAsync(offset, data, cancellationToken);

        public ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken) => inner.ReadAsync(offset, buffer, cancellationToken);

        public async ValueTask<LandedObject> CommitAsync(string md5, CancellationToken cancellationToken)
        {
            if (sink.gated(relativePath))
            {
                sink.reachedGate.TrySetResult(true);
                if (!await sink.gate.Task)
                {
                    throw new StreamsendException("ReceiverKilled", ErrorKind.OperationStopped, $"'{relativePath}' was being landed when the receiver was killed.", relativePath);
                }
            }
            await Task.Delay(sink.landingTime, CancellationToken.None);
            var landed = await inner.CommitAsync(md5, cancellationToken);
            sink.log.Debug(LandedPrefix + relativePath);
            return landed;
        }

        public ValueTask AbortAsync() => inner.AbortAsync();

        public ValueTask<bool> CheckpointAsync(StagedProgress progress, CancellationToken cancellationToken) => inner.CheckpointAsync(progress, cancellationToken);

        public ValueTask<bool> KeepAsync(StagedProgress progress, CancellationToken cancellationToken) => inner.KeepAsync(progress, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
