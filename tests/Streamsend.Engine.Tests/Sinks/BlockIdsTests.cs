using Streamsend.Engine.Sinks.AzureBlob;

namespace Streamsend.Engine.Tests.Sinks;

public sealed class BlockIdsTests
{
    [Fact]
    public void Every_block_id_has_the_same_length_and_gives_back_its_transfer_and_offset()
    {
        var transfer = Guid.NewGuid();
        foreach (var offset in new[] { 0L, 1L, 950_000L, 47_500_000_000L, long.MaxValue })
        {
            var id = BlockIds.Of(transfer, offset);
            Assert.Equal(BlockIds.Length, id.Length);
            Assert.True(BlockIds.TryParse(id, out var parsed, out var at));
            Assert.Equal((transfer, offset), (parsed, at));
        }
    }

    [Fact]
    public void Ids_are_deterministic_and_differ_between_transfers_and_offsets()
    {
        var transfer = Guid.NewGuid();
        Assert.Equal(BlockIds.Of(transfer, 4096), BlockIds.Of(transfer, 4096));
        Assert.NotEqual(BlockIds.Of(transfer, 4096), BlockIds.Of(transfer, 8192));
        Assert.NotEqual(BlockIds.Of(transfer, 4096), BlockIds.Of(Guid.NewGuid(), 4096));
    }

    [Theory]
    [InlineData("")]
    [InlineData("YmxvY2stMDAwMDE=")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAP//////////")]
    public void Ids_another_tool_staged_are_not_taken_for_ours(string id) => Assert.False(BlockIds.TryParse(id, out _, out _));
}
