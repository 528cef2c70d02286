using System.Security.Cryptography;
using System.Threading.Channels;

namespace Streamsend.Engine.Receiving;

/// <summary>
/// The MD5 of one file, computed on a task of its own from blocks handed over in file order, so that the consume
/// loop goes on decoding and writing the next chunks while the previous ones are hashed (MD5 is the receiver's
/// largest cost per byte). At most <see cref="Depth"/> blocks wait, so memory stays at a few chunks per file
/// however fast chunks arrive: a loop that gets further ahead waits for the hashing.
/// </summary>
internal sealed class BackgroundMd5 : IAsyncDisposable
{
    /// <summary>Blocks handed over and not yet hashed, per file: enough to keep the hashing busy between two chunks.</summary>
    public const int Depth = 2;

    private readonly Channel<PooledBytes> blocks = Channel.CreateBounded<PooledBytes>(new BoundedChannelOptions(Depth) { SingleReader = true, SingleWriter = true });
    private readonly IncrementalHash md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private readonly Task hashing;

    public BackgroundMd5()
    {
        hashing = Task.Run(HashAsync);
    }

    /// <summary>Takes the file's next bytes; the hashing disposes them once hashed (or at once, when they cannot be taken).</summary>
    public async ValueTask AppendAsync(PooledBytes block, CancellationToken cancellationToken)
    {
        try
        {
            await blocks.Writer.WriteAsync(block, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Not queued (cancelled, or the hashing already finished): nobody else will return it.
            block.Dispose();
            throw;
        }
    }

    /// <summary>The MD5 of everything handed over, once it is all hashed (at most <see cref="Depth"/> blocks to wait for).</summary>
    public async Task<string> FinishAsync()
    {
        blocks.Writer.TryComplete();
        await hashing.ConfigureAwait(false);
        return Convert.ToHexString(md5.GetHashAndReset()).ToLowerInvariant();
    }

    public async ValueTask DisposeAsync()
    {
        blocks.Writer.TryComplete();
        try
        {
            await hashing.ConfigureAwait(false);
        }
        finally
        {
            md5.Dispose();
        }
    }

    private async Task HashAsync()
    {
        await foreach (var block in blocks.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            using (block)
            {
                md5.AppendData(block.Span);
            }
        }
    }
}
