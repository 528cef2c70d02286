using System.Diagnostics;
using Confluent.Kafka;
using Streamsend.Engine.Kafka;

namespace Streamsend.Bench;

/// <summary>
/// Plain Confluent.Kafka produce and consume of a file's bytes in fixed-size messages: no headers, no hashing, no
/// files written. What any Kafka client gets from this cluster, and so the ceiling Streamsend is measured against.
/// </summary>
public static class RawKafka
{
    /// <summary>Produces the file in <paramref name="messageSize"/>-byte messages, round-robin over the partitions; returns once all are acknowledged.</summary>
    public static async Task<ChildReport> ProduceAsync(string bootstrap, string topic, int partitions, string path, int messageSize)
    {
        LibrdkafkaNativeLoader.EnsureInstalled();
        var config = new ProducerConfig
        {
            BootstrapServers = bootstrap,
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 5,
            BatchSize = messageSize + 16 * 1024,
            MessageMaxBytes = messageSize + 64 * 1024,
            QueueBufferingMaxKbytes = 128 * 1024,
        };
        using var producer = new ProducerBuilder<byte[], byte[]>(config).SetLogHandler((_, _) => { }).Build();
        var failures = 0;
        var buffer = new byte[messageSize];
        var cpu = ProcessMeter.CpuTime();
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        long total = 0;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan))
        {
            for (var index = 0; ; index++)
            {
                var read = file.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
                if (read == 0)
                {
                    break;
                }
                var message = new Message<byte[], byte[]> { Value = read == buffer.Length ? buffer : buffer[..read] };
                var partition = new TopicPartition(topic, new Partition(index % partitions));
                while (true)
                {
                    try
                    {
                        producer.Produce(partition, message, report =>
                        {
                            if (report.Error.IsError)
                            {
                                Interlocked.Increment(ref failures);
                            }
                        });
                        break;
                    }
                    catch (ProduceException<byte[], byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(5));
                    }
                }
                total += read;
            }
        }
        producer.Flush(TimeSpan.FromMinutes(5));
        clock.Stop();
        await Task.CompletedTask;
        return new ChildReport(total, 1, clock.Elapsed.TotalSeconds, (ProcessMeter.CpuTime() - cpu).TotalSeconds, ProcessMeter.PeakWorkingSetBytes(), started.ToUnixTimeMilliseconds(), failures, null);
    }

    /// <summary>
    /// Reads every partition from offset 0 until <paramref name="expectedBytes"/> arrived or nothing arrived for
    /// <paramref name="idle"/>. Messages the mock dropped before they were read show as missing bytes, never hidden.
    /// </summary>
    public static RawConsumeResult Consume(string bootstrap, string topic, int partitions, long expectedBytes, TimeSpan idle, IReadOnlyDictionary<string, string> tuning, ManualResetEventSlim ready)
    {
        LibrdkafkaNativeLoader.EnsureInstalled();
        var config = new ConsumerConfig(tuning.ToDictionary())
        {
            BootstrapServers = bootstrap,
            GroupId = $"raw-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        };
        // Values are read straight from librdkafka's buffer into one reused array: no per-message allocation, the best a client can do.
        using var consumer = new ConsumerBuilder<Ignore, int>(config).SetValueDeserializer(new CopyingDeserializer()).SetLogHandler((_, _) => { }).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, new Partition(p), new Offset(0))));
        long received = 0;
        long messages = 0;
        var sinceMessage = Stopwatch.StartNew();
        DateTimeOffset? last = null;
        ready.Set();
        while (received < expectedBytes && sinceMessage.Elapsed < idle)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result?.Message is null)
            {
                continue;
            }
            received += result.Message.Value;
            messages++;
            last = DateTimeOffset.UtcNow;
            sinceMessage.Restart();
        }
        consumer.Close();
        return new RawConsumeResult(received, messages, last);
    }
}

/// <summary>Copies a value into a reused buffer (so its bytes are really read) and returns its length.</summary>
internal sealed class CopyingDeserializer : IDeserializer<int>
{
    private byte[] buffer = new byte[1 << 20];

    public int Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
    {
        if (data.Length > buffer.Length)
        {
            buffer = new byte[data.Length];
        }
        data.CopyTo(buffer);
        return data.Length;
    }
}

public sealed record RawConsumeResult(long Bytes, long Messages, DateTimeOffset? LastMessageAt);
