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
internal sealed class SmallFilePacker
{
    /// <summary>Packs handed to Kafka and not yet acknowledged: bounds memory to this many chunk-sized buffers.</summary>
    private const int MaxPacksInFlight = 16;

    private readonly Func<int, PackHeader, byte[], Task> produce;
    private readonly int partitionCount;
    private readonly int capacity;
    private readonly SendOptions options;
    private readonly IEngineEventSink events;
    private readonly BandwidthLimiter? bandwidth;
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

    public async Task RunAsync(ChannelReader<SendRequest> requests, CancellationToken cancellationToken)
    {
        var inFlight = new List<Task>();
        PackBuilder? builder = null;
        var started = Stopwatch.StartNew();
        await foreach (var request in requests.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (Read(request) is not { } file)
            {
                continue;
            }
            if (builder is not null && !builder.HasRoomFor(file.Content.Length))
            {
                inFlight.Add(SendPackAsync(builder, started));
                builder = null;
                while (inFlight.Count >= MaxPacksInFlight)
                {
                    inFlight.Remove(await Task.WhenAny(inFlight).ConfigureAwait(false));
                }
            }
            builder ??= new PackBuilder(capacity);
            builder.Add(file.Member, file.Content);
        }
        if (builder is not null)
        {
            inFlight.Add(SendPackAsync(builder, started));
        }
        await Task.WhenAll(inFlight).ConfigureAwait(false);
    }

    private (PackMember Member, byte[] Content)? Read(SendRequest request)
    {
        try
        {
            var before = new FileInfo(request.FullPath);
            var content = File.ReadAllBytes(request.FullPath);
            var after = new FileInfo(request.FullPath);
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

    private async Task SendPackAsync(PackBuilder builder, Stopwatch started)
    {
        using (builder)
        {
            var (value, compression) = builder.Finish();
            var pack = new PackHeader(Guid.NewGuid(), options.SenderName, builder.Members.Count, compression);
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
                foreach (var member in builder.Members)
                {
                    events.Failed(new StreamsendException("ChunkNotAcknowledged", ErrorKind.ConnectionError, $"Kafka did not acknowledge the pack carrying '{member.Request.FullPath}': {e.Error.Reason} ({e.Error.Code}). The file was not sent; send it again.", member.Request.FullPath, e));
                }
                return;
            }
            var duration = started.Elapsed - packStarted;
            foreach (var member in builder.Members)
            {
                events.Post(new ProgressEvent(new TransferProgress(member.TransferId, member.Request.RelativePath, member.Length, member.Length, duration, IsComplete: true)));
                events.Post(new FileSentEvent(new SentFile(member.Request.FullPath, member.Request.RelativePath, member.Length, member.Md5, 1, member.TransferId, options.Topic, options.SenderName, duration) { Packed = true }));
            }
        }
    }
}
