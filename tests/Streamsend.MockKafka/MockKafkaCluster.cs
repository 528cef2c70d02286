using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;
using Streamsend.Engine.Kafka;

namespace Streamsend.MockKafka;

/// <summary>
/// librdkafka's mock cluster: a real Kafka-protocol server on loopback TCP, with brokers that can be taken down,
/// slowed or made to answer with errors. Any Kafka client in any process can connect to <see cref="BootstrapServers"/>.
/// </summary>
/// <remarks>
/// Things the mock does differently from Kafka, found by trying them (librdkafka 2.16):
/// each partition keeps only its last ~5 MiB (or 100,000 message sets), dropping older ones as a retention policy would;
/// it has no DescribeConfigs, CreateTopics or ListGroups; topics anyone asks about in Metadata are created (4 partitions)
/// unless the client sets allow.auto.create.topics=false; an empty Fetch is answered only after fetch.wait.max.ms.
/// </remarks>
public sealed class MockKafkaCluster : IDisposable
{
    /// <summary>Broker id meaning "every broker" for <see cref="SetBrokerDown"/>, <see cref="SetBrokerUp"/> and <see cref="SetBrokerRtt"/>.</summary>
    public const int AllBrokers = -1;

    private IntPtr handle;
    private readonly IntPtr cluster;

    private MockKafkaCluster(IntPtr handle, IntPtr cluster, int brokers)
    {
        this.handle = handle;
        this.cluster = cluster;
        Brokers = brokers;
        BootstrapServers = Marshal.PtrToStringUTF8(NativeMockApi.rd_kafka_mock_cluster_bootstraps(cluster))
            ?? throw new InvalidOperationException("The mock cluster has no bootstrap servers.");
    }

    /// <summary>host:port of every broker, comma separated, for bootstrap.servers.</summary>
    public string BootstrapServers { get; }

    /// <summary>How many brokers the cluster started with; their ids are 1 to <see cref="Brokers"/>.</summary>
    public int Brokers { get; }

    public IReadOnlyList<int> BrokerIds => Enumerable.Range(1, Brokers).ToList();

    /// <summary>
    /// Starts a cluster of <paramref name="brokers"/> brokers. Group joins are immediate (no initial rebalance delay)
    /// and broker 1 is the controller.
    /// </summary>
    public static MockKafkaCluster Start(int brokers = 3)
    {
        // test.mock.num.brokers accepts at most 10000; 0 would mean "no mock".
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(brokers, 10000);
        LibrdkafkaNativeLoader.EnsureInstalled(typeof(MockKafkaCluster).Assembly);
        var conf = NativeMockApi.rd_kafka_conf_new();
        IntPtr handle;
        try
        {
            Set(conf, "test.mock.num.brokers", brokers.ToString(CultureInfo.InvariantCulture));
            // This handle only hosts the cluster; its own log (connection errors while brokers are down) would go to stderr.
            Set(conf, "log_level", "0");
            var errors = new byte[512];
            handle = NativeMockApi.rd_kafka_new(NativeMockApi.ProducerType, conf, errors, (UIntPtr)errors.Length);
            if (handle == IntPtr.Zero)
            {
                throw new InvalidOperationException($"Cannot start the mock cluster: {Text(errors)}");
            }
        }
        catch
        {
            NativeMockApi.rd_kafka_conf_destroy(conf);
            throw;
        }
        var cluster = NativeMockApi.rd_kafka_handle_mock_cluster(handle);
        if (cluster == IntPtr.Zero)
        {
            NativeMockApi.rd_kafka_destroy(handle);
            throw new InvalidOperationException("librdkafka made no mock cluster for test.mock.num.brokers (a build without the mock?).");
        }
        var started = new MockKafkaCluster(handle, cluster, brokers);
        started.SetGroupInitialRebalanceDelay(0);
        // The mock names no controller, so admin requests that go to the controller (DescribeConfigs for a topic) would
        // wait for one until they time out; a real cluster always has one, and then they fail at once as unsupported.
        started.SetControllerId(1);
        return started;
    }

    /// <summary>Creates a topic; fails if it exists. The mock spreads partition leaders over the brokers deterministically.</summary>
    public void CreateTopic(string name, int partitions, int replicationFactor)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        // The mock trusts these: 0 makes a topic no client can use, a negative count aborts the process.
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicationFactor, 1);
        // The mock would quietly use fewer replicas; Kafka refuses (INVALID_REPLICATION_FACTOR), and so do we.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(replicationFactor, Brokers);
        Check(NativeMockApi.rd_kafka_mock_topic_create(Cluster, name, partitions, replicationFactor), $"create topic '{name}'");
    }

    /// <summary>Deletes a topic and its messages; clients then get UNKNOWN_TOPIC_OR_PART for it.</summary>
    public void DeleteTopic(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Check(NativeMockApi.rd_kafka_mock_topic_delete(Cluster, name), $"delete topic '{name}'");
    }

    /// <summary>Metadata answers for this topic carry this error (creating the topic if needed); NoError clears it.</summary>
    public void SetTopicError(string topic, ErrorCode error)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        NativeMockApi.rd_kafka_mock_topic_set_error(Cluster, topic, (int)error);
    }

    /// <summary>Moves a partition's leadership, as a controller would after a failure; -1 leaves the partition without a leader.</summary>
    /// <remarks>The mock creates the topic (with partition + 1 partitions) if it does not exist.</remarks>
    public void SetPartitionLeader(string topic, int partition, int brokerId)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        Check(NativeMockApi.rd_kafka_mock_partition_set_leader(Cluster, topic, partition, brokerId), $"make broker {brokerId} the leader of {topic} [{partition}]");
    }

    /// <summary>Closes the broker's connections and refuses new ones. Leadership does not move (see <see cref="SetPartitionLeader"/>).</summary>
    public void SetBrokerDown(int brokerId) =>
        Check(NativeMockApi.rd_kafka_mock_broker_set_down(Cluster, brokerId), $"take broker {brokerId} down");

    /// <summary>The broker accepts connections again, on the same port.</summary>
    public void SetBrokerUp(int brokerId) =>
        Check(NativeMockApi.rd_kafka_mock_broker_set_up(Cluster, brokerId), $"bring broker {brokerId} up");

    /// <summary>Every answer from the broker is delayed by this many milliseconds; 0 restores full speed.</summary>
    public void SetBrokerRtt(int brokerId, int milliseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds);
        Check(NativeMockApi.rd_kafka_mock_broker_set_rtt(Cluster, brokerId, milliseconds), $"set broker {brokerId}'s round trip time");
    }

    /// <summary>
    /// The next requests with this API key (see <see cref="KafkaApiKey"/>), on any broker, fail with these errors, one
    /// request per error, in order. <see cref="ErrorCode.Local_Transport"/> makes the broker drop the connection instead.
    /// </summary>
    public void PushRequestErrors(short apiKey, params ErrorCode[] errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        NativeMockApi.rd_kafka_mock_push_request_errors_array(Cluster, apiKey, (UIntPtr)errors.Length, errors.Select(e => (int)e).ToArray());
    }

    /// <summary>Forgets errors pushed for this API key that no request has used yet.</summary>
    public void ClearRequestErrors(short apiKey) => NativeMockApi.rd_kafka_mock_clear_request_errors(Cluster, apiKey);

    /// <summary>How long a consumer group waits for more members before its first rebalance (Kafka: 3000 ms; 0 after <see cref="Start"/>).</summary>
    public void SetGroupInitialRebalanceDelay(int milliseconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds);
        NativeMockApi.rd_kafka_mock_group_initial_rebalance_delay_ms(Cluster, milliseconds);
    }

    /// <summary>The controller named in Metadata answers; -1 for none, so controller requests wait until they time out.</summary>
    public void SetControllerId(int brokerId) => NativeMockApi.rd_kafka_mock_set_controller_id(Cluster, brokerId);

    /// <summary>Stops every broker and frees the cluster; clients still connected see their connections close.</summary>
    public void Dispose()
    {
        var owned = Interlocked.Exchange(ref handle, IntPtr.Zero);
        if (owned != IntPtr.Zero)
        {
            NativeMockApi.rd_kafka_destroy(owned);
        }
    }

    /// <summary>The native cluster; a use after Dispose would be a use of freed memory, so it throws instead.</summary>
    private IntPtr Cluster => Volatile.Read(ref handle) != IntPtr.Zero ? cluster : throw new ObjectDisposedException(nameof(MockKafkaCluster));

    private static void Set(IntPtr conf, string name, string value)
    {
        var errors = new byte[512];
        if (NativeMockApi.rd_kafka_conf_set(conf, name, value, errors, (UIntPtr)errors.Length) != NativeMockApi.ConfigurationOk)
        {
            throw new InvalidOperationException($"librdkafka refused {name}={value}: {Text(errors)}");
        }
    }

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"The mock cluster could not {what}: {(ErrorCode)error} ({error}).");
        }
    }

    private static string Text(byte[] nulTerminated)
    {
        var length = Array.IndexOf(nulTerminated, (byte)0);
        return Encoding.UTF8.GetString(nulTerminated, 0, length < 0 ? nulTerminated.Length : length);
    }
}
