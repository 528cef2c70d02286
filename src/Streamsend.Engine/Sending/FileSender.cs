using Streamsend.Engine.Platform;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Channels;
using Confluent.Kafka;
using Streamsend.Engine.Events;
using Streamsend.Engine.Kafka;
using Streamsend.Engine.Wire;

namespace Streamsend.Engine.Sending;

/// <summary>
/// Sends files as chunk messages through one idempotent producer. A file counts as sent only when Kafka acknowledged
/// every chunk; memory is bounded by the chunks in flight, never by the file's size.
/// </summary>
public sealed class FileSender : IDisposable
{
    private readonly IProducer<byte[], byte[]> producer;
    private readonly SendOptions options;
    private readonly IEngineEventSink events;
    private readonly SemaphoreSlim inFlightChunks;
    private readonly BandwidthLimiter? bandwidth;
    private readonly ChunkBufferPool chunkBuffers = new();
    private int chunkSize;
    // Where the next file starts; a random start keeps several senders from all beginning at partition 0.
    private int nextFirstPartition = Random.Shared.Next();

    private FileSender(IProducer<byte[], byte[]> producer, SendOptions options, IEngineEventSink events, TopicLayout layout, MessageSizeLimit sizeLimit, int chunkSize)
    {
        this.producer = producer;
        this.options = options;
        this.events = events;
        Layout = layout;
        SizeLimit = sizeLimit;
        this.chunkSize = chunkSize;
        inFlightChunks = new SemaphoreSlim(InFlightChunkSlots(options.MaxInFlightBytes, chunkSize));
        bandwidth = options.MaxBytesPerSecond is { } rate ? new BandwidthLimiter(rate) : null;
    }

    public TopicLayout Layout { get; }

    public MessageSizeLimit SizeLimit { get; }

    /// <summary>The chunk size now in use; it shrinks if the broker rejects chunks as too large.</summary>
    public int ChunkSize => Volatile.Read(ref chunkSize);

    /// <summary>Checks that the cluster answers and the topic exists, sizes the chunks, and builds the producer.</summary>
    public static async Task<FileSender> ConnectAsync(SendOptions options, IEngineEventSink events, CancellationToken cancellationToken)
    {
        using var admin = KafkaClients.Admin(options.Kafka, events);
        var layout = await Task.Run(() => TopicMetadataReader.Read(admin, options.Kafka, options.Topic), cancellationToken).ConfigureAwait(false);
        var sizeLimit = options.ChunkSize is { } forced
            ? new MessageSizeLimit(forced + 64 * 1024, MessageSizeLimitSource.User)
            : await (options.SizeLimitSource ?? new DescribeConfigsSizeLimitSource(admin, events, options.SizeLimitLookupTimeout))
                .GetAsync(options.Topic, layout.Brokers[0].Id, cancellationToken).ConfigureAwait(false);
        var chunkSize = options.ChunkSize ?? ChunkSizing.FromMessageLimit(sizeLimit.Bytes);
        events.Verbose($"Topic '{options.Topic}': {layout.PartitionCount} partitions, message limit {sizeLimit.Bytes} bytes ({sizeLimit.Source}), chunks of {chunkSize} bytes, distribution {options.Distribution}.");
        var producer = KafkaClients.Producer(options.Kafka, ProducerDefaults(sizeLimit, chunkSize, options), events);
        return new FileSender(producer, options, events, layout, sizeLimit, chunkSize);
    }

    /// <summary>Sends every request from <paramref name="requests"/>, <see cref="SendOptions.ThrottleLimit"/> files at a time, posting one event per file.</summary>
    public async Task SendAllAsync(ChannelReader<SendRequest> requests, CancellationToken cancellationToken)
    {
        var chunked = Channel.CreateUnbounded<SendRequest>(new UnboundedChannelOptions { SingleWriter = true });
        var packed = Channel.CreateUnbounded<SendRequest>(new UnboundedChannelOptions { SingleWriter = true });
        var packer = new SmallFilePacker(ProducePackAsync, Layout.PartitionCount, ChunkSize, options, events, bandwidth);
        var work = Enumerable.Range(0, Math.Max(1, options.ThrottleLimit))
            .Select(_ => Task.Run(() => SendWorkerAsync(chunked.Reader, cancellationToken), cancellationToken))
            .Append(Task.Run(() => packer.RunAsync(packed.Reader, cancellationToken), cancellationToken))
            .ToList();
        try
        {
            var threshold = options.PackThreshold ?? ChunkSize / 16;
            await foreach (var request in requests.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                var small = threshold > 0 && new FileInfo(LongPaths.Extend(request.FullPath)) is { Exists: true } file && file.Length < threshold;
                (small ? packed : chunked).Writer.TryWrite(request);
            }
        }
        finally
        {
            chunked.Writer.TryComplete();
            packed.Writer.TryComplete();
        }
        await Task.WhenAll(work).ConfigureAwait(false);
    }

    private Task ProducePackAsync(int partition, PackHeader pack, byte[] value) =>
        producer.ProduceAsync(
            new TopicPartition(options.Topic, new Partition(partition)),
            new Message<byte[], byte[]> { Key = WireCodec.Key(pack.PackId), Value = value, Headers = WireCodec.EncodePack(pack) });

    /// <summary>
    /// A worker moves on to its next file as soon as every chunk of the current one is handed to Kafka, and lets the
    /// acknowledgements arrive in the background: waiting for them first left the pipe empty at every file boundary,
    /// which made many small files slower than one large one. Memory stays bounded by the chunks in flight, because a
    /// file waiting for acknowledgements holds at least one of them.
    /// </summary>
    private async Task SendWorkerAsync(ChannelReader<SendRequest> requests, CancellationToken cancellationToken)
    {
        var acknowledging = new List<Task>();
        await foreach (var request in requests.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            var handedOver = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            var sending = SendAndReportAsync(request, handedOver, cancellationToken);
            await Task.WhenAny(handedOver.Task, sending).ConfigureAwait(false);
            acknowledging.RemoveAll(t => t.IsCompleted);
            acknowledging.Add(sending);
        }
        await Task.WhenAll(acknowledging).ConfigureAwait(false);
    }

    private async Task SendAndReportAsync(SendRequest request, TaskCompletionSource<bool> handedOver, CancellationToken cancellationToken)
    {
        try
        {
            events.Post(new FileSentEvent(await SendAsync(request, cancellationToken, handedOver).ConfigureAwait(false)));
        }
        catch (StreamsendException e)
        {
            events.Failed(e);
        }
        finally
        {
            handedOver.TrySetResult(true);
        }
    }

    /// <summary>Sends one file; returns once Kafka acknowledged every chunk of it.</summary>
    public Task<SentFile> SendAsync(SendRequest request, CancellationToken cancellationToken) => SendAsync(request, cancellationToken, handedOver: null);

    /// <param name="handedOver">Completed once every chunk of the file is in the producer's hands (before the acknowledgements).</param>
    private async Task<SentFile> SendAsync(SendRequest request, CancellationToken cancellationToken, TaskCompletionSource<bool>? handedOver)
    {
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            var size = ChunkSize;
            try
            {
                return await SendOnceAsync(request, size, elapsed, handedOver, cancellationToken).ConfigureAwait(false);
            }
            catch (MessageTooLargeException e) when (size > ChunkSizing.MinimumChunkSize)
            {
                Interlocked.CompareExchange(ref chunkSize, ChunkSizing.Shrink(size), size);
                events.Warning($"Kafka rejected {size}-byte chunks of '{request.FullPath}' as too large ({e.Message}); sending the file again in {ChunkSize}-byte chunks. Set -ChunkSize to skip this step next time.");
            }
            catch (MessageTooLargeException e)
            {
                throw new StreamsendException("MessageTooLarge", ErrorKind.InvalidArgument, $"Kafka rejects even {size}-byte chunks of '{request.FullPath}' as too large ({e.Message}). Check the topic's max.message.bytes.", request.FullPath, e);
            }
            catch (IOException e)
            {
                throw ReadFailed(request, e);
            }
            catch (UnauthorizedAccessException e)
            {
                throw ReadFailed(request, e);
            }
        }
    }

    /// <summary>
    /// A file starts where the previous one ended (Chunk) or one partition further (File), so that every partition
    /// takes the same share of a run however many files go: starting each file at a random partition left some
    /// partitions twice the average with 200 files of 6 chunks over 256 partitions.
    /// </summary>
    private int FirstPartitionOf(long chunkCount)
    {
        var step = options.Distribution == Distribution.Chunk ? (int)(chunkCount % Layout.PartitionCount) : 1;
        var first = Interlocked.Add(ref nextFirstPartition, step) - step;
        return (int)((uint)first % (uint)Layout.PartitionCount);
    }

    private async Task<SentFile> SendOnceAsync(SendRequest request, int size, Stopwatch elapsed, TaskCompletionSource<bool>? handedOver, CancellationToken cancellationToken)
    {
        var source = new FileInfo(LongPaths.Extend(request.FullPath));
        if (!source.Exists)
        {
            throw new StreamsendException("PathNotFound", ErrorKind.NotFound, $"Cannot find '{request.FullPath}': it was removed before it could be sent.", request.FullPath);
        }
        var length = source.Length;
        var lastWrite = new DateTimeOffset(source.LastWriteTimeUtc, TimeSpan.Zero);
        var transferId = Guid.NewGuid();
        var chunkCount = ChunkSizing.ChunkCount(length, size);
        var firstPartition = FirstPartitionOf(chunkCount);
        var key = WireCodec.Key(transferId);
        var deliveries = new ChunkDeliveries(transferId, request.RelativePath, request.FullPath, length, elapsed, events, () => inFlightChunks.Release());

        using var handle = PositionalFile.Open(request.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        // Kafka copies a message's bytes when it is produced, so two buffers serve every full-size chunk of the file
        // (one being hashed while the next is read), and the next file once this one's last chunk is handed over.
        var fullChunks = (int)Math.Min(2, length / size);
        using var first = fullChunks >= 1 ? chunkBuffers.Rent(size) : null;
        using var second = fullChunks >= 2 ? chunkBuffers.Rent(size) : null;
        // MD5 is sequential and the sender's largest cost per byte: chunk i is hashed on another thread while it is
        // handed to Kafka and chunk i + 1 is read. Only the last chunk, whose header carries the MD5, waits for it.
        var hashing = Task.CompletedTask;
        try
        {
            for (var index = 0; index < chunkCount; index++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (deliveries.HasFailed)
                {
                    break;
                }
                var offset = (long)index * size;
                var chunkLength = (int)Math.Min(size, length - offset);
                var data = chunkLength < size ? new byte[chunkLength] : (index % 2 == 0 || second is null ? first! : second).Buffer;
                if (bandwidth is not null)
                {
                    await bandwidth.WaitAsync(chunkLength, cancellationToken).ConfigureAwait(false);
                }
                // The buffer read into now was last hashed two chunks ago, and that hashing ended before the previous one began.
                ReadExactly(handle, data, offset, request.FullPath);
                await hashing.ConfigureAwait(false);
                string? fileMd5 = null;
                if (index == chunkCount - 1)
                {
                    md5.AppendData(data);
                    EnsureUnchanged(handle, request.FullPath, length, lastWrite);
                    fileMd5 = Convert.ToHexString(md5.GetHashAndReset()).ToLowerInvariant();
                }
                else
                {
                    var hashed = data;
                    hashing = Task.Run(() => md5.AppendData(hashed), CancellationToken.None);
                }
                var header = new ChunkHeader(MessageKind.Chunk, transferId, request.RelativePath, options.SenderName, index, chunkCount, offset, length, lastWrite, fileMd5)
                {
                    SpansPartitions = options.Distribution == Distribution.Chunk && Layout.PartitionCount > 1,
                    Partitions = Layout.PartitionCount,
                };
                var partition = options.Distribution == Distribution.Chunk ? (firstPartition + index) % Layout.PartitionCount : firstPartition;
                await inFlightChunks.WaitAsync(cancellationToken).ConfigureAwait(false);
                await ProduceAsync(partition, key, data, header, deliveries, cancellationToken).ConfigureAwait(false);
                if (fileMd5 is not null)
                {
                    first?.Dispose();
                    second?.Dispose();
                    handedOver?.TrySetResult(true);
                    deliveries.Seal();
                    await deliveries.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
                    events.Post(new ProgressEvent(new TransferProgress(transferId, request.RelativePath, length, length, elapsed.Elapsed, IsComplete: true)));
                    return new SentFile(request.FullPath, request.RelativePath, length, fileMd5, chunkCount, transferId, options.Topic, options.SenderName, elapsed.Elapsed);
                }
            }
            deliveries.Seal();
            await deliveries.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
            throw new InvalidOperationException("unreachable: the last chunk returns");
        }
        catch (Exception e) when (e is not InvalidOperationException)
        {
            // The buffers go back to the pool when this method ends: no hashing may still read them then.
            // WhenAny waits for the hashing without rethrowing its failure: the failure being handled here comes first.
            await Task.WhenAny(hashing).ConfigureAwait(false);
            events.Post(new ProgressEvent(new TransferProgress(transferId, request.RelativePath, deliveries.AckedBytes, length, elapsed.Elapsed, IsComplete: true)));
            await TellReceiversToDiscardAsync(transferId, request.RelativePath, firstPartition).ConfigureAwait(false);
            throw;
        }
    }

    private async Task ProduceAsync(int partition, byte[] key, byte[] data, ChunkHeader header, ChunkDeliveries deliveries, CancellationToken cancellationToken)
    {
        var message = new Message<byte[], byte[]> { Key = key, Value = data, Headers = WireCodec.Encode(header) };
        var topicPartition = new TopicPartition(options.Topic, new Partition(partition));
        var index = header.ChunkIndex;
        var length = data.Length;
        while (true)
        {
            deliveries.Expect();
            try
            {
                producer.Produce(topicPartition, message, report => deliveries.OnReport(report, index, length));
                return;
            }
            catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                // The user's queue.buffering.max.* is tighter than our own bound: wait for deliveries to drain it.
                deliveries.Unexpect();
                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }
            catch (ProduceException<byte[], byte[]> e)
            {
                deliveries.Unexpect();
                inFlightChunks.Release();
                if (e.Error.Code is ErrorCode.MsgSizeTooLarge)
                {
                    throw new MessageTooLargeException(e.Error.Reason);
                }
                throw new StreamsendException("ProduceFailed", ErrorKind.ConnectionError, $"Kafka refused chunk {index} of '{header.RelativePath}': {e.Error.Reason} ({e.Error.Code}).", header.RelativePath, e);
            }
        }
    }

    /// <summary>Best effort: a transfer that will never complete is announced, so receivers drop it at once instead of waiting for it to expire.</summary>
    private async Task TellReceiversToDiscardAsync(Guid transferId, string relativePath, int partition)
    {
        var header = new ChunkHeader(MessageKind.Abort, transferId, relativePath, options.SenderName, 0, 1, 0, 0, DateTimeOffset.UtcNow, null);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await producer.ProduceAsync(
                new TopicPartition(options.Topic, new Partition(partition)),
                new Message<byte[], byte[]> { Key = WireCodec.Key(transferId), Value = Array.Empty<byte>(), Headers = WireCodec.Encode(header) },
                timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is KafkaException or OperationCanceledException)
        {
            events.Verbose($"Could not announce the end of transfer {transferId:N} ('{relativePath}'): {e.Message}. Receivers will expire it.");
        }
    }

    private static void ReadExactly(PositionalFile handle, byte[] data, long offset, string path)
    {
        var filled = 0;
        while (filled < data.Length)
        {
            var read = handle.Read(data.AsSpan(filled), offset + filled);
            if (read == 0)
            {
                throw FileChanged(path);
            }
            filled += read;
        }
    }

    private static void EnsureUnchanged(PositionalFile handle, string path, long length, DateTimeOffset lastWrite)
    {
        if (handle.Length != length || File.GetLastWriteTimeUtc(LongPaths.Extend(path)) != lastWrite.UtcDateTime)
        {
            throw FileChanged(path);
        }
    }

    private static StreamsendException FileChanged(string path) =>
        new("FileChangedWhileSending", ErrorKind.InvalidData, $"'{path}' changed while it was being sent, so it was not sent and receivers discard it. Send it again once it is complete (-MinimumAge helps with spool folders).", path);

    private static StreamsendException ReadFailed(SendRequest request, Exception e) =>
        new("FileReadFailed", ErrorKind.ReadError, $"Cannot read '{request.FullPath}': {e.Message}", request.FullPath, e);

    private static int InFlightChunkSlots(long maxInFlightBytes, int chunkSize) => (int)Math.Clamp(maxInFlightBytes / Math.Max(1, chunkSize), 4, 4096);

    private static Dictionary<string, string> ProducerDefaults(MessageSizeLimit sizeLimit, int chunkSize, SendOptions options)
    {
        var maxInFlightBytes = options.MaxInFlightBytes;
        var messageMax = Math.Min(1_000_000_000, Math.Max(sizeLimit.Bytes, chunkSize + 64 * 1024));
        return new Dictionary<string, string>
        {
            ["acks"] = "all",
            ["enable.idempotence"] = "true",
            ["message.max.bytes"] = messageMax.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // One chunk per batch: a batch of two would exceed the topic's limit.
            ["batch.size"] = Math.Max(chunkSize + 16 * 1024, Math.Min(messageMax, sizeLimit.Bytes)).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["linger.ms"] = "5",
            // Delivery reports need only the outcome; by default each one also copies the chunk's headers back out of librdkafka.
            ["dotnet.producer.delivery.report.fields"] = "status",
            ["message.timeout.ms"] = ((long)options.DeliveryTimeout.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["retry.backoff.ms"] = "250",
            ["retry.backoff.max.ms"] = "5000",
            ["queue.buffering.max.kbytes"] = (Math.Max(maxInFlightBytes, 4L * messageMax) * 2 / 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    public void Dispose()
    {
        producer.Flush(TimeSpan.FromSeconds(5));
        producer.Dispose();
        inFlightChunks.Dispose();
    }
}
