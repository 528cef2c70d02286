using Streamsend.Engine.Sending;

namespace Streamsend.Engine.Tests.Sending;

public class ChunkSizingTests
{
    [Theory]
    [InlineData(1_048_588, 996_158)]
    [InlineData(1_000_000, 950_000)]
    [InlineData(10_485_760, 9_961_472)]
    public void Chunks_take_95_percent_of_the_message_limit(int limit, int expected)
    {
        Assert.Equal(expected, ChunkSizing.FromMessageLimit(limit));
    }

    [Theory]
    [InlineData(0, 1000, 1)]
    [InlineData(1, 1000, 1)]
    [InlineData(1000, 1000, 1)]
    [InlineData(1001, 1000, 2)]
    [InlineData(100_000_000, 996_158, 101)]
    public void The_chunk_count_covers_the_file_and_an_empty_file_is_one_chunk(long size, int chunkSize, int expected)
    {
        Assert.Equal(expected, ChunkSizing.ChunkCount(size, chunkSize));
    }

    [Fact]
    public void Shrinking_never_goes_below_the_minimum()
    {
        Assert.Equal(750_000, ChunkSizing.Shrink(1_000_000));
        Assert.Equal(ChunkSizing.MinimumChunkSize, ChunkSizing.Shrink(1100));
    }
}
