using Confluent.Kafka;
using Streamsend.Engine.Sinks;
using Streamsend.Engine.Wire;

namespace Streamsend.Engine.Receiving;

/// <summary>The reports a receiver gives about transfers that did not complete: one each, naming the file, its sender and what is missing.</summary>
internal static class IncompleteTransfers
{
    public static StreamsendException Lost(TransferAssembly assembly, List<int> missing, TopicPartitionOffset message, Offset logStart, TimeSpan window)
    {
        var header = assembly.First;
        const string why = "retention deleted them before this group read them, or the group's offsets were reset past them";
        var start = logStart.Value >= 0 ? $"the partition's log now starts at offset {logStart.Value}, so {why}" : why;
        return new StreamsendException(
            "TransferLost",
            ErrorKind.InvalidData,
            $"'{header.RelativePath}' from sender '{header.Sender}' (transfer {header.TransferId:N}) cannot be completed from the topic: {(missing.Count == 1 ? "chunk" : $"{missing.Count} chunks,")} {ChunkRanges.Describe(missing)}{(missing.Count == 1 ? ", is" : ", are")} no longer on partition {message.Partition.Value} of '{message.Topic}'. " +
            $"Chunk {header.ChunkIndex} of it is at offset {message.Offset.Value} there, after them, and {start}. " +
            $"Nothing of it was landed, and its offsets no longer hold later files back. {assembly.BytesReceived} of {header.FileSize} bytes arrived; they are kept for -IncompleteTimeout ({window}) " +
            "in case its sender resumes it, and the file lands after all if the missing chunks arrive. Otherwise send the file again.",
            assembly.FinalLocation);
    }

    public static StreamsendException Expired(IncomingFile file, long bytesReceived, string missing, DateTimeOffset newestChunkAt, DateTimeOffset now, TimeSpan window, string location)
    {
        var age = newestChunkAt == DateTimeOffset.MinValue ? "" : $" Its newest chunk was sent {Age(now - newestChunkAt)} ago.";
        return new StreamsendException(
            "TransferExpired",
            ErrorKind.OperationTimeout,
            $"'{file.RelativePath}' from sender '{file.Sender}' (transfer {file.TransferId:N}) was given up: no chunk of it was sent within the -IncompleteTimeout of {window} after its newest one.{age} " +
            $"{bytesReceived} of {file.Size} bytes arrived{missing}. Nothing of it was landed, its staged data was removed and its offsets are released. " +
            "Its sender stopped and did not resume it in time: send the file again.",
            location);
    }

    public static StreamsendException StagingFull(ChunkHeader header, long staged, long limit) =>
        new(
            "StagingFull",
            ErrorKind.ResourceUnavailable,
            staged == 0
                ? $"'{header.RelativePath}' from sender '{header.Sender}' ({header.FileSize} bytes) was not started: it is larger than -MaxStagedBytes ({limit} bytes). Raise -MaxStagedBytes to receive it; its offsets are held, so the next run receives it again."
                : $"'{header.RelativePath}' from sender '{header.Sender}' ({header.FileSize} bytes) was not started: incomplete transfers already stage {staged} of the -MaxStagedBytes {limit} bytes. " +
                  "It waits until they land or expire; its offsets are held, so the next run receives it again. Raise -MaxStagedBytes, or lower -IncompleteTimeout.",
            header.RelativePath);

    private static string Age(TimeSpan age) =>
        age.TotalDays >= 1 ? $"{age.TotalDays:0.#} days" : age.TotalHours >= 1 ? $"{age.TotalHours:0.#} hours" : age.TotalMinutes >= 1 ? $"{age.TotalMinutes:0.#} minutes" : $"{Math.Max(0, age.TotalSeconds):0} seconds";
}
