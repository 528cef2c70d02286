using Confluent.Kafka;
using Streamsend.Engine.Platform;

namespace Streamsend.Engine.Tests.Support;

/// <summary>
/// Under Mono, a librdkafka thread that calls into managed code (a log callback: ours, or Confluent.Kafka's default one
/// that writes to stderr) can deadlock the runtime: gdb on two hung runs showed every managed thread parked for a
/// stop-the-world collection, a librdkafka broker thread never acknowledging it, and librdkafka's main thread joining
/// that broker thread. So under Mono the tests' clients log nothing, and no librdkafka thread enters managed code.
/// .NET and .NET Framework are not affected and keep the levels the tests ask for.
/// </summary>
public static class LibrdkafkaLogs
{
    public static string Level(string wanted) => Edition.IsMono ? "0" : wanted;

    public static T QuietUnderMono<T>(this T config) where T : ClientConfig
    {
        if (Edition.IsMono)
        {
            config.Set("log_level", "0");
        }
        return config;
    }
}
