using System.Globalization;

namespace Streamsend.MockKafka;

/// <summary>The console tool's command line: `[--brokers N] [--topic name:partitions[:replication]]...`.</summary>
public sealed record MockOptions(int Brokers, IReadOnlyList<TopicSpec> Topics)
{
    public const string Usage = "usage: Streamsend.MockKafka [--brokers N] [--topic name:partitions[:replication]]...";

    /// <exception cref="FormatException">An unknown option or a malformed value; the message says which.</exception>
    public static MockOptions Parse(IReadOnlyList<string> args)
    {
        var brokers = 3;
        var topics = new List<TopicSpec>();
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--brokers":
                    brokers = int.TryParse(ValueOf(args, ++i, "--brokers"), NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0
                        ? count
                        : throw new FormatException($"--brokers needs a positive whole number, not '{args[i]}'.");
                    break;
                case "--topic":
                    topics.Add(TopicSpec.Parse(ValueOf(args, ++i, "--topic")));
                    break;
                default:
                    throw new FormatException($"unknown argument '{args[i]}'.");
            }
        }
        return new MockOptions(brokers, topics);
    }

    private static string ValueOf(IReadOnlyList<string> args, int index, string option) =>
        index < args.Count ? args[index] : throw new FormatException($"{option} needs a value.");
}
