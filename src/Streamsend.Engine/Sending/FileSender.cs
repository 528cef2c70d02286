using Streamsend.Engine.Platform;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Channels;
using Confluent.Kafka;
using Streamsend.Engine.Events;
using Streamsend.Engine.Kafka;
using Streamsend.Engine.Resume;
using Streamsend.Engine.Wire;

namespace Streamsend.Engine.Sending;

/// <summary>
/// Sends files as chunk messages through one idempotent producer. A file counts as sent only when Kafka acknowledged
/// every chunk; memory is bounded by the chunks in flight, never by the file's size. With a resume folder
/// (<see cref="SendOptions.ResumeFolder"/>), a file whose send stops part-way is continued by a later run, which sends
/// only what Kafka never acknowledged (<see cref="ResumePlanner"/>, <see cref="ResumePoint"/>).
/// </summary>
public sealed class FileSender : IDisposable
{
    private readonly IProducer<byte[], byte[]> producer;
    private readonly SendOptions options;
    private readonly IEngineEventSink events;
    private readonly SemaphoreSlim inFlightChunks;
    private readonly BandwidthLimiter? bandwidth;
    private readonly ChunkBufferPool chunkBuffers = new();
    private readonly KafkaWaitWatch kafkaWait;
    private readonly ResumePlanner? resume;
    private int chunkSize;
    // Where the next file starts; a random start keeps several senders from all beginning at partition 0.
    private int nextFirstPartition = Random.Shared.Next();

    private FileSender(IProducer<byte[], byte[]> producer, KafkaWaitWatch kafkaWait, SendOptions options, IEngineEventSink events, TopicLayout layout, MessageSizeLimit sizeLimit, int chunkSize)
    {
        this.producer = producer;
        this.kafkaWait = kafkaWait;
        this.options = options;
        this.events = events;
        Layout = layout;
        SizeLimit = sizeLimit;
        this.chunkSize = chunkSize;
        inFlightChunks = new SemaphoreSlim(InFlightChunkSlots(options.MaxInFlightBytes, chunkSize));
        bandwidth = options.MaxBytesPerSecond is { } rate ? new BandwidthLimiter(rate) : null;
        resume = options.ResumeFolder is { } folder
            ? new ResumePlanner(new ResumeStore(folder), options, layout, events, chunkBuffers, TellReceiversToDiscardAsync)
            : null;
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
        var kafkaWait = new KafkaWaitWatch(events, options.KafkaWaitNotice);
        var producer = KafkaClients.Producer(options.Kafka, ProducerDefaults(sizeLimit, chunkSize, options), events, kafkaWait.ClientError);
        return new FileSender(producer, kafkaWait, options, events, layout, sizeLimit, chunkSize);
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

    private async Task ProducePackAsync(int partition, PackHeader pack, byte[] value)
    {
        kafkaWait.HandedOver();
        var acknowledged = false;
        try
        {
            await producer.ProduceAsync(
                new TopicPartition(options.Topic, new Partition(partition)),
                new Message<byte[], byte[]> { Key = WireCodec.Key(pack.PackId), Value = value, Headers = WireCodec.EncodePack(pack) }).ConfigureAwait(false);
            acknowledged = true;
        }
        finally
        {
            kafkaWait.Reported(acknowledged);
        }
    }

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
        var lastWriteUtc = source.LastWriteTimeUtc;
        using var handle = PositionalFile.Open(request.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        var plan = (resume is null ? null : await resume.ResumeAsync(request, handle, length, lastWriteUtc, cancellationToken).ConfigureAwait(false))
            ?? NewTransfer(request, length, lastWriteUtc, size);
        using var point = resume is null ? null : new ResumePoint(resume.Store, plan.Transfer, plan.Chunks, events);
        var deliveries = new ChunkDeliveries(plan.TransferId, request.RelativePath, request.FullPath, length, plan.ResumedBytes, elapsed, events, OnChunkReport, plan.Chunks.Acknowledge);
        if (plan.IsResumed)
        {
            events.Post(new ProgressEvent(Progress(plan, request, plan.ResumedBytes, length, elapsed, isComplete: false)));
        }
        var lastWrite = new DateTimeOffset(lastWriteUtc, TimeSpan.Zero);
        var chunkCount = plan.ChunkCount;
        size = plan.ChunkSize;
        var key = WireCodec.Key(plan.TransferId);
        var lastChunkSentBefore = plan.Chunks.IsAcknowledged(chunkCount - 1);
        var sentBytes = 0L;
        var wholeFileMd5 = plan.Md5;

        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        // Kafka copies a message's bytes when it is produced, so two buffers serve every full-size chunk of the file
        // (one being hashed while the next is read), and the next file once this one's last chunk is handed over.
        var fullChunks = (int)Math.Min(2, length / size);
        using var first = fullChunks >= 1 ? chunkBuffers.Rent(size) : null;
        using var second = fullChunks >= 2 ? chunkBuffers.Rent(size) : null;
        // MD5 is sequential and the sender's largest cost per byte: chunk i is hashed on another thread while it is
        // handed to Kafka and chunk i + 1 is read. Only the last chunk, whose header carries the MD5, waits for it.
        // A resumed transfer needs none of this: its resume check read the whole file and knows the MD5 already.
        var hashing = Task.CompletedTask;
        try
        {
            for (var index = 0; index < chunkCount && !deliveries.HasFailed; index++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (plan.Chunks.IsAcknowledged(index))
                {
                    continue;
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
                RememberFingerprint(plan, index, data, request.FullPath);
                await hashing.ConfigureAwait(false);
                string? fileMd5 = null;
                if (index == chunkCount - 1)
                {
                    if (plan.Md5 is null)
                    {
                        md5.AppendData(data);
                    }
                    EnsureUnchanged(handle, request.FullPath, length, lastWrite);
                    fileMd5 = wholeFileMd5 ??= Convert.ToHexString(md5.GetHashAndReset()).ToLowerInvariant();
                }
                else if (plan.Md5 is null)
                {
                    var hashed = data;
                    hashing = Task.Run(() => md5.AppendData(hashed), CancellationToken.None);
                }
                var header = new ChunkHeader(MessageKind.Chunk, plan.TransferId, request.RelativePath, options.SenderName, index, chunkCount, offset, length, lastWrite, fileMd5)
                {
                    SpansPartitions = plan.SpansPartitions,
                    Partitions = plan.Transfer.PartitionCount,
                    Attempt = plan.Attempt,
                };
                await inFlightChunks.WaitAsync(cancellationToken).ConfigureAwait(false);
                await ProduceAsync(plan.PartitionOf(index), key, data, header, deliveries, cancellationToken).ConfigureAwait(false);
                sentBytes += chunkLength;
            }
            if (lastChunkSentBefore && !deliveries.HasFailed)
            {
                // The chunk that carries the MD5 went out in an earlier run: what this run sent must still be that file.
                EnsureUnchanged(handle, request.FullPath, length, lastWrite);
            }
            first?.Dispose();
            second?.Dispose();
            handedOver?.TrySetResult(true);
            deliveries.Seal();
            await deliveries.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // The buffers go back to the pool when this method ends: no hashing may still read them then.
            // WhenAny waits for the hashing without rethrowing its failure: the failure being handled here comes first.
            await Task.WhenAny(hashing).ConfigureAwait(false);
            handedOver?.TrySetResult(true);
            deliveries.Seal();
            var stop = await StopAsync(e, plan, point, deliveries, request, length, elapsed, cancellationToken).ConfigureAwait(false);
            if (ReferenceEquals(stop, e))
            {
                throw;
            }
            throw stop;
        }
        point?.Remove();
        events.Post(new ProgressEvent(Progress(plan, request, length, length, elapsed, isComplete: true)));
        return new SentFile(request.FullPath, request.RelativePath, length, wholeFileMd5!, chunkCount, plan.TransferId, options.Topic, options.SenderName, elapsed.Elapsed)
        {
            ResumedBytes = plan.ResumedBytes,
            SentBytes = sentBytes,
            Attempt = plan.Attempt,
        };
    }

    /// <summary>
    /// The end of a send that failed or was stopped. A transfer that can never be resumed (the file changed, Kafka
    /// refused the chunk size, or no resume state is kept) is announced to receivers as abandoned. Any other stop
    /// keeps it: once the chunks in flight have their reports, what Kafka acknowledged is saved, no abort is sent,
    /// and the error says how to resume.
    /// </summary>
    private async Task<Exception> StopAsync(Exception failure, TransferPlan plan, ResumePoint? point, ChunkDeliveries deliveries, SendRequest request, long length, Stopwatch elapsed, CancellationToken cancellationToken)
    {
        var neverResumed = point is null || failure is MessageTooLargeException || failure is StreamsendException { ErrorId: FileChangedErrorId };
        if (neverResumed)
        {
            point?.Remove();
            events.Post(new ProgressEvent(Progress(plan, request, deliveries.AckedBytes, length, elapsed, isComplete: true)));
            await TellReceiversToDiscardAsync(plan.TransferId, request.RelativePath, plan.Transfer.FirstPartition).ConfigureAwait(false);
            return failure;
        }
        try
        {
            await deliveries.Settled.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: what is acknowledged by now is saved; the chunks still in flight are sent again next time.
        }
        point!.SaveNow();
        var acknowledged = deliveries.AckedBytes;
        events.Post(new ProgressEvent(Progress(plan, request, acknowledged, length, elapsed, isComplete: true)));
        var resumeHint = $" The transfer is kept: run the same Send-StreamFile command again to resume; {acknowledged:N0} of {length:N0} bytes are acknowledged.";
        return failure switch
        {
            StreamsendException e => new StreamsendException(e.ErrorId, e.Kind, e.Message + resumeHint, e.Target, e),
            IOException or UnauthorizedAccessException => new StreamsendException(ReadFailedErrorId, ErrorKind.ReadError, $"Cannot read '{request.FullPath}': {failure.Message}{resumeHint}", request.FullPath, failure),
            _ => failure,
        };
    }

    private TransferPlan NewTransfer(SendRequest request, long length, DateTime lastWriteUtc, int size)
    {
        var chunkCount = ChunkSizing.ChunkCount(length, size);
        var key = ResumeKey.For(options, request);
        return new TransferPlan
        {
            Transfer = ResumeState.NewTransfer(key, request.RelativePath, length, lastWriteUtc, size, options.Distribution, FirstPartitionOf(chunkCount), Layout.PartitionCount),
            Chunks = new AcknowledgedChunks(chunkCount, size, length),
        };
    }

    /// <summary>
    /// Keeps the fingerprint of a chunk as read, for the resume state. A resumed transfer's resume check read every
    /// chunk already: a chunk that reads differently now changed since, and the MD5 the check computed is no longer the file's.
    /// </summary>
    private static void RememberFingerprint(TransferPlan plan, int index, byte[] data, string path)
    {
        var fingerprint = AcknowledgedChunks.Fingerprint(data);
        if (plan.Md5 is not null && plan.Chunks.FingerprintOf(index) != fingerprint)
        {
            throw FileChanged(path);
        }
        plan.Chunks.Remember(index, fingerprint);
    }

    private static TransferProgress Progress(TransferPlan plan, SendRequest request, long done, long total, Stopwatch elapsed, bool isComplete) =>
        new(plan.TransferId, request.RelativePath, done, total, elapsed.Elapsed, isComplete) { BytesResumed = plan.ResumedBytes };

    private void OnChunkReport(bool acknowledged)
    {
        inFlightChunks.Release();
        kafkaWait.Reported(acknowledged);
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
            kafkaWait.HandedOver();
            try
            {
                producer.Produce(topicPartition, message, report => deliveries.OnReport(report, index, length));
                return;
            }
            catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                // The user's queue.buffering.max.* is tighter than our own bound: wait for deliveries to drain it.
                kafkaWait.Reported(acknowledged: false);
                deliveries.Unexpect();
                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }
            catch (ProduceException<byte[], byte[]> e)
            {
                kafkaWait.Reported(acknowledged: false);
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

    /// <summary>
    /// Best effort: a transfer that will never complete is announced, so receivers drop it at once instead of waiting
    /// for it to expire. Only then: a transfer that may be resumed must not be, or receivers would drop what a later
    /// run completes.
    /// </summary>
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
        if (!SourceFile.TryReadExactly(handle, data, offset))
        {
            throw FileChanged(path);
        }
    }

    private static void EnsureUnchanged(PositionalFile handle, string path, long length, DateTimeOffset lastWrite)
    {
        if (handle.Length != length || File.GetLastWriteTimeUtc(LongPaths.Extend(path)) != lastWrite.UtcDateTime)
        {
            throw FileChanged(path);
        }
    }

    private const string FileChangedErrorId = "FileChangedWhileSending";
    private const string ReadFailedErrorId = "FileReadFailed";

    private static StreamsendException FileChanged(string path) =>
        new(FileChangedErrorId, ErrorKind.InvalidData, $"'{path}' changed while it was being sent, so it was not sent and receivers discard it. Send it again once it is complete (-MinimumAge helps with spool folders).", path);

    private static StreamsendException ReadFailed(SendRequest request, Exception e) =>
        new(ReadFailedErrorId, ErrorKind.ReadError, $"Cannot read '{request.FullPath}': {e.Message}", request.FullPath, e);

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
        kafkaWait.Dispose();
        inFlightChunks.Dispose();
    }
}
