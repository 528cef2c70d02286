using Streamsend.Engine.Platform;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Channels;
using Confluent.Kafka;
using Streamsend.Engine.Events;
using Streamsend.Engine.Wire;

namespace Streamsend.Engine.Sending;

/// <summary>
/// Sends small files packed many to a message, compressed. Each file keeps its own transfer id, metadata and MD5 and
/// is reported sent, like a chunked file, only when Kafka acknowledged the pack that carries it.
/// </summary>
/// <remarks>
/// Several packing workers share the small-file channel, each filling its own pack, so that reading, MD5 and DEFLATE,
/// the packer's whole cost, use the cores: on one worker, packed sending managed half the files per second of one
/// message per file. There are <see cref="SendOptions.ThrottleLimit"/> of them, but no more than the machine has
/// cores, because more workers cost messages and buy nothing once the cores are busy. A run ends with every worker
/// sending the pack it was filling: up to one part-filled pack more per worker. And a pack that stopped deflating
/// (see <see cref="PackBuilder"/>) stores whatever follows until it is full, so where the input turns from
/// incompressible to compressible files, every worker may store some of the latter. The 20,000-file benchmark with 8
/// workers (folders of only text or only random bytes) used 104-111 messages instead of 99, 4-7% over its compressed
/// bytes / chunk size (target 10%); with 2 workers, 100-101 messages, at least as fast on two cores.
/// </remarks>
internal sealed class SmallFilePacker
{
    /// <summary>
    /// Packs handed to Kafka and not yet acknowledged, across all workers: bounds memory to this many chunk-sized
    /// buffers plus the one each worker is filling.
    /// </summary>
    private const int MaxPacksInFlight = 16;

    private readonly Func<int, PackHeader, byte[], Task> produce;
    private readonly int partitionCount;
    private readonly int capacity;
    private readonly SendOptions options;
    private readonly IEngineEventSink events;
    private readonly BandwidthLimiter? bandwidth;
    private readonly Stopwatch started = Stopwatch.StartNew();

    /// <summary>
    /// Not disposed: it has no wait handle to free unless AvailableWaitHandle is read, and sends still waiting for
    /// Kafka after a cancellation release it when they end.
    /// </summary>
    private readonly SemaphoreSlim packsInFlight = new(MaxPacksInFlight);
    private int nextPartition;

    public SmallFilePacker(Func<int, PackHeader, byte[], Task> produce, int partitionCount, int capacity, SendOptions options, IEngineEventSink events, BandwidthLimiter? bandwidth)
    {
        this.bandwidth = bandwidth;
        this.produce = produce;
        this.partitionCount = partitionCount;
        this.capacity = capacity;
        this.options = options;
        this.events = events;
    }

    /// <summary>Packs and sends every request from <paramref name="requests"/> on <see cref="SendOptions.ThrottleLimit"/> workers, at most one per core; ends once every pack is acknowledged or failed.</summary>
    public Task RunAsync(ChannelReader<SendRequest> requests, CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, Math.Clamp(Environment.ProcessorCount, 1, Math.Max(1, options.ThrottleLimit)))
            .Select(_ => Task.Run(() => PackAsync(requests, cancellationToken), cancellationToken)));

    /// <summary>
    /// One worker: fills a pack until the next file does not fit, then hands it over and fills the next while Kafka
    /// acknowledges. The final flush of a pack's DEFLATE runs here too, as <see cref="SendPackAsync"/> starts.
    /// </summary>
    private async Task PackAsync(ChannelReader<SendRequest> requests, CancellationToken cancellationToken)
    {
        var sending = new List<Task>();
        PackBuilder? builder = null;

        async Task HandOverPackAsync()
        {
            sending.Add(await HandOverAsync(builder!, cancellationToken).ConfigureAwait(false));
            builder = null;
            // A failed send stays in the list, so that its exception surfaces below.
            sending.RemoveAll(t => t.IsCompletedSuccessfully);
        }

        try
        {
            while (true)
            {
                if (!requests.TryRead(out var request))
                {
                    if (builder is not null && !await MoreArriveWithinLingerAsync(requests, cancellationToken).ConfigureAwait(false))
                    {
                        await HandOverPackAsync().ConfigureAwait(false);
                    }
                    else if (!await requests.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        break;
                    }
                    continue;
                }
                if (Read(request) is not { } file)
                {
                    continue;
                }
                if (builder is not null && !builder.HasRoomFor(file.Content.Length))
                {
                    await HandOverPackAsync().ConfigureAwait(false);
                }
                builder ??= new PackBuilder(capacity);
                builder.Add(file.Member, file.Content);
            }
            if (builder is not null)
            {
                await HandOverPackAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            // Only a pack that was never handed over: once handed over, its send disposes it.
            builder?.Dispose();
        }
        await Task.WhenAll(sending).ConfigureAwait(false);
    }

    /// <summary>
    /// False when no file arrived for <see cref="SendOptions.PackLinger"/> while a pack waits part-filled: a watched
    /// folder or a slow pipeline must not hold a file back until enough others come to fill its pack. True when a file
    /// is ready or no more will come.
    /// </summary>
    private async Task<bool> MoreArriveWithinLingerAsync(ChannelReader<SendRequest> requests, CancellationToken cancellationToken)
    {
        using var linger = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        linger.CancelAfter(options.PackLinger);
        try
        {
            await requests.WaitToReadAsync(linger.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Waits until fewer than <see cref="MaxPacksInFlight"/> packs are in flight, then starts sending <paramref name="builder"/>, which the send then owns.</summary>
    private async Task<Task> HandOverAsync(PackBuilder builder, CancellationToken cancellationToken)
    {
        await packsInFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
        return SendPackAsync(builder);
    }

    private (PackMember Member, byte[] Content)? Read(SendRequest request)
    {
        try
        {
            var path = LongPaths.Extend(request.FullPath);
            var before = new FileInfo(path);
            var content = File.ReadAllBytes(path);
            var after = new FileInfo(path);
            if (content.Length != before.Length || after.Length != before.Length || after.LastWriteTimeUtc != before.LastWriteTimeUtc)
            {
                throw new StreamsendException("FileChangedWhileSending", ErrorKind.InvalidData, $"'{request.FullPath}' changed while it was being read, so it was not sent. Send it again once it is complete.", request.FullPath);
            }
            var md5 = Convert.ToHexString(MD5.HashData(content)).ToLowerInvariant();
            return (new PackMember(request, Guid.NewGuid(), content.Length, new DateTimeOffset(before.LastWriteTimeUtc, TimeSpan.Zero), md5), content);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            events.Failed(new StreamsendException(e is FileNotFoundException ? "PathNotFound" : "FileReadFailed", e is FileNotFoundException ? ErrorKind.NotFound : ErrorKind.ReadError, $"Cannot read '{request.FullPath}': {e.Message}", request.FullPath, e));
        }
        catch (StreamsendException e)
        {
            events.Failed(e);
        }
        return null;
    }

    /// <summary>Sends one pack and reports its files; then frees its place among the packs in flight.</summary>
    private async Task SendPackAsync(PackBuilder builder)
    {
        try
        {
            List<PackMember> members;
            (byte[] Value, PackCompression Compression) message;
            // Freed before Kafka answers, so that a pack in flight holds only its message: the builder also keeps a raw
            // copy of the body, up to PackBody.MaxBodyBytes for text that deflates well.
            using (builder)
            {
                members = builder.Members;
                message = builder.Finish();
            }
            await ProduceAndReportAsync(members, message.Value, message.Compression).ConfigureAwait(false);
        }
        finally
        {
            packsInFlight.Release();
        }
    }

    private async Task ProduceAndReportAsync(List<PackMember> members, byte[] value, PackCompression compression)
    {
        var pack = new PackHeader(Guid.NewGuid(), options.SenderName, members.Count, compression);
        var partition = (int)((uint)Interlocked.Increment(ref nextPartition) % (uint)partitionCount);
        var packStarted = started.Elapsed;
        try
        {
            if (bandwidth is not null)
            {
                await bandwidth.WaitAsync(value.Length, CancellationToken.None).ConfigureAwait(false);
            }
            await produce(partition, pack, value).ConfigureAwait(false);
        }
        catch (ProduceException<byte[], byte[]> e)
        {
            foreach (var member in members)
            {
                events.Failed(new StreamsendException("ChunkNotAcknowledged", ErrorKind.ConnectionError, $"Kafka did not acknowledge the pack carrying '{member.Request.FullPath}': {e.Error.Reason} ({e.Error.Code}). The file was not sent; send it again.", member.Request.FullPath, e));
            }
            return;
        }
        var duration = started.Elapsed - packStarted;
        foreach (var member in members)
        {
            events.Post(new ProgressEvent(new TransferProgress(member.TransferId, member.Request.RelativePath, member.Length, member.Length, duration, IsComplete: true)));
            events.Post(new FileSentEvent(new SentFile(member.Request.FullPath, member.Request.RelativePath, member.Length, member.Md5, 1, member.TransferId, options.Topic, options.SenderName, duration) { Packed = true, SentBytes = member.Length }));
        }
    }
}
