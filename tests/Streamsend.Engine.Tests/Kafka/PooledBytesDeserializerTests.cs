using Confluent.Kafka;
using Streamsend.Engine.Kafka;

namespace Streamsend.Engine.Tests.Kafka;

public class PooledBytesDeserializerTests
{
    private static readonly SerializationContext ValueContext = new(MessageComponentType.Value, "topic");

    [Fact]
    public void A_value_is_copied_out_of_librdkafkas_buffer_with_its_exact_length()
    {
        var buffer = Enumerable.Range(0, 70_000).Select(i => (byte)(i * 7)).ToArray();

        using var value = new PooledBytesDeserializer().Deserialize(buffer, isNull: false, ValueContext);
        // librdkafka reuses its buffer once deserialization returns.
        Array.Clear(buffer);

        Assert.Equal(70_000, value.Length);
        Assert.Equal(Enumerable.Range(0, 70_000).Select(i => (byte)(i * 7)), value.Memory.ToArray());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_null_or_empty_value_comes_back_empty(bool isNull)
    {
        using var value = new PooledBytesDeserializer().Deserialize(ReadOnlySpan<byte>.Empty, isNull, ValueContext);

        Assert.Equal(0, value.Length);
        Assert.True(value.Memory.IsEmpty);
    }
}
