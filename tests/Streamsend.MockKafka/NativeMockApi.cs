using System.Runtime.InteropServices;

namespace Streamsend.MockKafka;

/// <summary>
/// The parts of rdkafka.h and rdkafka_mock.h (librdkafka 2.16) that host and steer a mock cluster.
/// </summary>
/// <remarks>
/// "librdkafka" resolves through LibrdkafkaNativeLoader to the same library Confluent.Kafka uses: the mock cluster
/// lives inside one loaded copy, and a second copy would be a second, unrelated set of globals.
/// The variadic calls (rd_kafka_mock_push_request_errors, ..._error_rtts) are left out: a variadic C function cannot be
/// called portably through P/Invoke (Apple arm64 passes variadic arguments on the stack); the _array variant can.
/// </remarks>
internal static class NativeMockApi
{
    private const string Library = "librdkafka";

    /// <summary>rd_kafka_type_t RD_KAFKA_PRODUCER: a producer handle needs no group.id and starts no consumer machinery.</summary>
    public const int ProducerType = 0;

    /// <summary>rd_kafka_conf_res_t RD_KAFKA_CONF_OK.</summary>
    public const int ConfigurationOk = 0;

    [DllImport(Library)]
    public static extern IntPtr rd_kafka_conf_new();

    [DllImport(Library)]
    public static extern void rd_kafka_conf_destroy(IntPtr conf);

    [DllImport(Library)]
    public static extern int rd_kafka_conf_set(
        IntPtr conf, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, byte[] errstr, UIntPtr errstrSize);

    /// <summary>Takes ownership of <paramref name="conf"/> only when it succeeds.</summary>
    [DllImport(Library)]
    public static extern IntPtr rd_kafka_new(int type, IntPtr conf, byte[] errstr, UIntPtr errstrSize);

    /// <summary>Also destroys the mock cluster the handle created.</summary>
    [DllImport(Library)]
    public static extern void rd_kafka_destroy(IntPtr rk);

    [DllImport(Library)]
    public static extern IntPtr rd_kafka_handle_mock_cluster(IntPtr rk);

    [DllImport(Library)]
    public static extern IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr mcluster);

    [DllImport(Library)]
    public static extern int rd_kafka_mock_topic_create(IntPtr mcluster, [MarshalAs(UnmanagedType.LPUTF8Str)] string topic, int partitionCount, int replicationFactor);

    [DllImport(Library)]
    public static extern int rd_kafka_mock_topic_delete(IntPtr mcluster, [MarshalAs(UnmanagedType.LPUTF8Str)] string topic);

    [DllImport(Library)]
    public static extern void rd_kafka_mock_topic_set_error(IntPtr mcluster, [MarshalAs(UnmanagedType.LPUTF8Str)] string topic, int error);

    [DllImport(Library)]
    public static extern int rd_kafka_mock_partition_set_leader(IntPtr mcluster, [MarshalAs(UnmanagedType.LPUTF8Str)] string topic, int partition, int brokerId);

    [DllImport(Library)]
    public static extern int rd_kafka_mock_broker_set_down(IntPtr mcluster, int brokerId);

    [DllImport(Library)]
    public static extern int rd_kafka_mock_broker_set_up(IntPtr mcluster, int brokerId);

    [DllImport(Library)]
    public static extern int rd_kafka_mock_broker_set_rtt(IntPtr mcluster, int brokerId, int rttMs);

    [DllImport(Library)]
    public static extern void rd_kafka_mock_push_request_errors_array(IntPtr mcluster, short apiKey, UIntPtr count, int[] errors);

    [DllImport(Library)]
    public static extern void rd_kafka_mock_clear_request_errors(IntPtr mcluster, short apiKey);

    [DllImport(Library)]
    public static extern void rd_kafka_mock_group_initial_rebalance_delay_ms(IntPtr mcluster, int delayMs);

    /// <summary>Exported since librdkafka 2.x but not declared in rdkafka_mock.h of older releases; returns nothing.</summary>
    [DllImport(Library)]
    public static extern void rd_kafka_mock_set_controller_id(IntPtr mcluster, int brokerId);
}
