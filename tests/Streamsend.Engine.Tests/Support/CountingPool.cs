using System.Buffers;

namespace Streamsend.Engine.Tests.Support;

/// <summary>Hands out new arrays and records what comes back, from any thread (a file's writer returns its chunks on its own).</summary>
internal sealed class CountingPool : ArrayPool<byte>
{
    private readonly object gate = new();
    private readonly List<byte[]> rented = new();
    private readonly List<byte[]> returned = new();

    public List<byte[]> Rented
    {
        get { lock (gate) { return rented.ToList(); } }
    }

    public List<byte[]> Returned
    {
        get { lock (gate) { return returned.ToList(); } }
    }

    public override byte[] Rent(int minimumLength)
    {
        var array = new byte[minimumLength + 7];
        lock (gate)
        {
            rented.Add(array);
        }
        return array;
    }

    public override void Return(byte[] array, bool clearArray = false)
    {
        lock (gate)
        {
            returned.Add(array);
        }
    }
}
