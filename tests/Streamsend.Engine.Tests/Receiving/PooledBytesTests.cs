using Streamsend.Engine.Receiving;
using Streamsend.Engine.Tests.Support;

namespace Streamsend.Engine.Tests.Receiving;

public class PooledBytesTests
{
    private readonly CountingPool pool = new();

    [Fact]
    public void A_copy_holds_exactly_the_given_bytes_in_a_rented_array()
    {
        var data = Enumerable.Range(0, 1500).Select(i => (byte)i).ToArray();

        using var copy = PooledBytes.CopyOf(data);

        Assert.Equal(1500, copy.Length);
        Assert.Equal(data, copy.Memory.ToArray());
        Assert.Equal(data, copy.Span.ToArray());
    }

    [Fact]
    public void Disposing_returns_the_rented_array_to_its_pool()
    {
        var bytes = PooledBytes.CopyOf(new byte[] { 1, 2, 3 }, pool);

        bytes.Dispose();

        Assert.Equal(pool.Rented, pool.Returned);
    }

    [Fact]
    public void Disposing_twice_returns_the_array_once_and_reading_after_throws()
    {
        // Returned twice, the pool would hold the array twice and rent it to two files at once; read after its return,
        // it could hold another file's bytes by then.
        var bytes = PooledBytes.Rent(1000, pool);

        bytes.Dispose();
        bytes.Dispose();

        Assert.Single(pool.Returned);
        Assert.Throws<ObjectDisposedException>(() => bytes.Memory);
        Assert.Throws<ObjectDisposedException>(() => bytes.Span.Length);
    }

    [Fact]
    public void Handing_over_moves_the_bytes_and_the_duty_to_return_them()
    {
        var original = PooledBytes.CopyOf(new byte[] { 1, 2, 3 }, pool);

        var taken = original.HandOver();
        original.Dispose();

        Assert.Empty(pool.Returned);
        Assert.Equal(new byte[] { 1, 2, 3 }, taken.Memory.ToArray());
        Assert.Throws<ObjectDisposedException>(() => original.Memory);
        Assert.Throws<ObjectDisposedException>(() => original.HandOver());
        taken.Dispose();
        Assert.Equal(pool.Rented, pool.Returned);
    }
}
