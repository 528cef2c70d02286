using System.Collections.Concurrent;
using Streamsend.Engine.Sinks;

namespace Streamsend.Engine.Tests.Support;

/// <summary>
/// A partial file in memory that logs what the receiver does to it, in order ("write 1000", "wrote 1000", "read 1000",
/// "checkpoint 0,2"), from whichever thread does it. <see cref="BeforeWrite"/> can hold a write back or fail it,
/// <see cref="AfterRead"/> can change what reads back (a disk that lies).
/// </summary>
internal sealed class MemoryPartialFile : IPartialFile
{
    private readonly ConcurrentDictionary<long, byte[]> written = new();
    private readonly ConcurrentQueue<string> log = new();

    /// <summary>Awaited at the start of each write, with its offset and token: a gate, a delay, or a throw.</summary>
    public Func<long, CancellationToken, Task>? BeforeWrite { get; init; }

    public Action<long, Memory<byte>>? AfterRead { get; init; }

    public IReadOnlyList<string> Log => log.ToList();

    public string FinalLocation => "memory";

    public async ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        log.Enqueue($"write {offset}");
        if (BeforeWrite is { } before)
        {
            await before(offset, cancellationToken);
        }
        written[offset] = data.ToArray();
        log.Enqueue($"wrote {offset}");
    }

    public ValueTask ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        log.Enqueue($"read {offset}");
        // Nothing written there yet reads as a missing key: a read-back that overtook its write fails loudly.
        written[offset].AsMemory(0, buffer.Length).CopyTo(buffer);
        AfterRead?.Invoke(offset, buffer);
        return ValueTask.CompletedTask;
    }

    public bool HashesItself => false;

    public ValueTask<string> HashStagedAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("hashed by the receiver in these tests");

    public ValueTask<LandedObject> CommitAsync(string md5, CancellationToken cancellationToken) => throw new InvalidOperationException("not landed in these tests");

    public ValueTask AbortAsync() => ValueTask.CompletedTask;

    public StagedProgress? Kept => null;

    public ValueTask<bool> CheckpointAsync(StagedProgress progress, CancellationToken cancellationToken)
    {
        log.Enqueue($"checkpoint {string.Join(",", progress.Chunks.OrderBy(c => c))}");
        return ValueTask.FromResult(true);
    }

    public ValueTask<bool> KeepAsync(StagedProgress progress, CancellationToken cancellationToken)
    {
        log.Enqueue($"keep {string.Join(",", progress.Chunks.OrderBy(c => c))}");
        return ValueTask.FromResult(true);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>A file whose writes wait at <c>Gate</c> (or until their token is cancelled), and the signal that the first reached it.</summary>
    public static (MemoryPartialFile Partial, TaskCompletionSource<bool> WriteStarted, TaskCompletionSource<bool> Gate) Gated()
    {
        var writeStarted = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var partial = new MemoryPartialFile
        {
            BeforeWrite = async (_, token) =>
            {
                writeStarted.TrySetResult(true);
                using (token.Register(() => gate.TrySetCanceled()))
                {
                    await gate.Task;
                }
            },
        };
        return (partial, writeStarted, gate);
    }

    /// <summary>The bytes staged at <paramref name="offset"/>.</summary>
    public byte[] At(long offset) => written[offset];
}
