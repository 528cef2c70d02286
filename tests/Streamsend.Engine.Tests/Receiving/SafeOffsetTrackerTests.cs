using Confluent.Kafka;
using Streamsend.Engine.Receiving;

namespace Streamsend.Engine.Tests.Receiving;

public class SafeOffsetTrackerTests
{
    private static readonly TopicPartition P0 = new("files", new Partition(0));
    private static readonly TopicPartition P1 = new("files", new Partition(1));

    private static TopicPartitionOffset At(TopicPartition partition, long offset) => new(partition, new Offset(offset));

    [Fact]
    public void Nothing_is_committable_before_anything_was_consumed()
    {
        Assert.Empty(new SafeOffsetTracker().Committable());
    }

    [Fact]
    public void Messages_that_need_nothing_more_move_the_safe_offset_past_them()
    {
        var tracker = new SafeOffsetTracker();
        tracker.Pass(At(P0, 0));
        tracker.Pass(At(P0, 1));
        Assert.Equal(new[] { At(P0, 2) }, tracker.Committable());
    }

    [Fact]
    public void The_safe_offset_stops_at_the_earliest_chunk_of_a_file_not_yet_landed()
    {
        var tracker = new SafeOffsetTracker();
        tracker.Pass(At(P0, 0));
        tracker.Hold(At(P0, 1));
        tracker.Pass(At(P0, 2));
        tracker.Hold(At(P0, 3));
        Assert.Equal(new[] { At(P0, 1) }, tracker.Committable());
        tracker.Release(new[] { At(P0, 1) });
        Assert.Equal(new[] { At(P0, 3) }, tracker.Committable());
        tracker.Release(new[] { At(P0, 3) });
        Assert.Equal(new[] { At(P0, 4) }, tracker.Committable());
    }

    [Fact]
    public void Committed_offsets_are_not_offered_again_and_partitions_are_independent()
    {
        var tracker = new SafeOffsetTracker();
        tracker.Pass(At(P0, 5));
        tracker.Hold(At(P1, 7));
        var first = tracker.Committable();
        Assert.Equal(new[] { At(P0, 6), At(P1, 7) }, first.OrderBy(o => o.Partition.Value));
        tracker.Committed(first);
        Assert.Empty(tracker.Committable());
        tracker.Release(new[] { At(P1, 7) });
        Assert.Equal(new[] { At(P1, 8) }, tracker.Committable());
    }

    [Fact]
    public void A_revoked_partition_hands_over_its_safe_offset_and_is_forgotten()
    {
        var tracker = new SafeOffsetTracker();
        tracker.Pass(At(P0, 0));
        tracker.Hold(At(P0, 1));
        tracker.Pass(At(P0, 2));
        Assert.Equal(new[] { At(P0, 1) }, tracker.Forget(new[] { P0 }));
        Assert.Null(tracker.SafeOffset(P0));
    }
}
