using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;
using Streamsend.Engine.Kafka;

namespace Streamsend.MockKafka;

/// <summary>
/// librdkafka's mock cluster: a real Kafka-protocol server on loopback TCP, with brokers that can be taken down,
/// slowed or made to answer with errors. Any Kafka client in any process can connect to <see cref="BootstrapServers"/>.
/// </summary>
public sealed class MockKafkaCluster : IDisposable
{
    private const int ProducerType = 0;
    private readonly IntPtr handle;
    private readonly IntPtr cluster;

    private MockKafkaCluster(IntPtr handle, IntPtr cluster, int brokers)
    {
        this.handle = handle;
        this.cluster = cluster;
        Brokers = brokers;
        BootstrapServers = Marshal.PtrToStringUTF8(Native.rd_kafka_mock_cluster_bootstraps(cluster))
            ?? throw new InvalidOperationException("The mock cluster has no bootstrap servers.");
    }

    public string BootstrapServers { get; }

    public int Brokers { get; }

    /// <summary>Starts a cluster of <paramref name="brokers"/> brokers. Group joins are immediate (no initial rebalance delay).</summary>
    public static MockKafkaCluster Start(int brokers = 3)
    {
        LibrdkafkaNativeLoader.EnsureInstalled(typeof(MockKafkaCluster).Assembly);
        var conf = Native.rd_kafka_conf_new();
        Set(conf, "test.mock.num.brokers", brokers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // The handle only hosts the cluster; its own log would go to stderr.
        Set(conf, "log_level", "0");
        var errors = new StringBuilder(512);
        var handle = Native.rd_kafka_new(ProducerType, conf, errors, (UIntPtr)errors.Capacity);
        if (handle == IntPtr.Zero)
        {
            throw new InvalidOperationException($"Cannot start the mock cluster: {errors}");
        }
        var cluster = Native.rd_kafka_handle_mock_cluster(handle);
        if (cluster == IntPtr.Zero)
        {
            Native.rd_kafka_destroy(handle);
            throw new InvalidOperationException("librdkafka made no mock cluster for test.mock.num.brokers.");
        }
        var started = new MockKafkaCluster(handle, cluster, brokers);
        started.SetGroupInitialRebalanceDelay(0);
        return started;
    }

    public void CreateTopic(string name, int partitions, int replicationFactor) =>
        Check(Native.rd_kafka_mock_topic_create(cluster, name, partitions, replicationFactor), $"create topic '{name}'");

    public void SetBrokerDown(int brokerId) => Check(Native.rd_kafka_mock_broker_set_down(cluster, brokerId), $"take broker {brokerId} down");

    public void SetBrokerUp(int brokerId) => Check(Native.rd_kafka_mock_broker_set_up(cluster, brokerId), $"bring broker {brokerId} up");

    public void SetBrokerRtt(int brokerId, int milliseconds) => Check(Native.rd_kafka_mock_broker_set_rtt(cluster, brokerId, milliseconds), $"set broker {brokerId}'s round trip time");

    /// <summary>The next requests with this API key (0 Produce, 1 Fetch, 8 OffsetCommit, ...) fail with these errors, in order.</summary>
    public void PushRequestErrors(short apiKey, params ErrorCode[] errors) =>
        Native.rd_kafka_mock_push_request_errors_array(cluster, apiKey, (UIntPtr)errors.Length, errors.Select(e => (int)e).ToArray());

    /// <summary>Metadata answers for this topic carry this error (creating the topic if needed); NoError clears it.</summary>
    public void SetTopicError(string topic, ErrorCode error) => Native.rd_kafka_mock_topic_set_error(cluster, topic, (int)error);

    public void SetGroupInitialRebalanceDelay(int milliseconds) => Native.rd_kafka_mock_group_initial_rebalance_delay_ms(cluster, milliseconds);

    public void Dispose() => Native.rd_kafka_destroy(handle);

    private static void Set(IntPtr conf, string name, string value)
    {
        var errors = new StringBuilder(512);
        if (Native.rd_kafka_conf_set(conf, name, value, errors, (UIntPtr)errors.Capacity) != 0)
        {
            throw new InvalidOperationException($"librdkafka refused {name}={value}: {errors}");
        }
    }

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"The mock cluster could not {what}: {(ErrorCode)error}.");
        }
    }

    /// <summary>rdkafka_mock.h, as far as the tests need it.</summary>
    private static class Native
    {
        private const string Library = "librdkafka";

        [DllImport(Library)]
        public static extern IntPtr rd_kafka_conf_new();

        [DllImport(Library, CharSet = CharSet.Ansi, BestFitMapping = false)]
        public static extern int rd_kafka_conf_set(IntPtr conf, string name, string value, StringBuilder errstr, UIntPtr errstrSize);

        [DllImport(Library, CharSet = CharSet.Ansi, BestFitMapping = false)]
        public static extern IntPtr rd_kafka_new(int type, IntPtr conf, StringBuilder errstr, UIntPtr errstrSize);

        [DllImport(Library)]
        public static extern void rd_kafka_destroy(IntPtr rk);

        [DllImport(Library)]
        public static extern IntPtr rd_kafka_handle_mock_cluster(IntPtr rk);

        [DllImport(Library)]
        public static extern IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr mcluster);

        [DllImport(Library, CharSet = CharSet.Ansi, BestFitMapping = false)]
        public static extern int rd_kafka_mock_topic_create(IntPtr mcluster, string topic, int partitionCount, int replicationFactor);

        [DllImport(Library)]
        public static extern int rd_kafka_mock_broker_set_down(IntPtr mcluster, int brokerId);

        [DllImport(Library)]
        public static extern int rd_kafka_mock_broker_set_up(IntPtr mcluster, int brokerId);

        [DllImport(Library)]
        public static extern int rd_kafka_mock_broker_set_rtt(IntPtr mcluster, int brokerId, int rttMs);

        [DllImport(Library)]
        public static extern void rd_kafka_mock_push_request_errors_array(IntPtr mcluster, short apiKey, UIntPtr count, int[] errors);

        [DllImport(Library, CharSet = CharSet.Ansi, BestFitMapping = false)]
        public static extern void rd_kafka_mock_topic_set_error(IntPtr mcluster, string topic, int error);

        [DllImport(Library)]
        public static extern void rd_kafka_mock_group_initial_rebalance_delay_ms(IntPtr mcluster, int delayMs);
    }
}
