using System.Security.Cryptography;

namespace Streamsend.Engine;

/// <summary>One-shot hashes and hex text that .NET 5+ has and .NET Framework 4.7.2 lacks, with the same results.</summary>
internal static class HashPolyfills
{
    extension(MD5)
    {
        public static byte[] HashData(byte[] data)
        {
            using var md5 = MD5.Create();
            return md5.ComputeHash(data);
        }

        public static byte[] HashData(ReadOnlySpan<byte> data) => MD5.HashData(data.ToArray());

        public static byte[] HashData(Stream source)
        {
            using var md5 = MD5.Create();
            return md5.ComputeHash(source);
        }
    }

    extension(Convert)
    {
        /// <summary>Upper-case hex, as .NET's.</summary>
        public static string ToHexString(byte[] bytes) => Convert.ToHexString((ReadOnlySpan<byte>)bytes);

        public static string ToHexString(ReadOnlySpan<byte> bytes)
        {
            const string digits = "0123456789ABCDEF";
            var text = new char[bytes.Length * 2];
            for (var i = 0; i < bytes.Length; i++)
            {
                text[2 * i] = digits[bytes[i] >> 4];
                text[2 * i + 1] = digits[bytes[i] & 0xF];
            }
            return new string(text);
        }

        public static byte[] FromHexString(string hex)
        {
            if (hex.Length % 2 != 0)
            {
                throw new FormatException("The input is not a valid hex string as its length is not a multiple of 2.");
            }
            var bytes = new byte[hex.Length / 2];
            for (var i = 0; i < bytes.Length; i++)
            {
                bytes[i] = (byte)(Digit(hex[2 * i]) << 4 | Digit(hex[2 * i + 1]));
            }
            return bytes;
        }
    }

    /// <summary>Through a pooled array: .NET Framework's IncrementalHash takes arrays only.</summary>
    public static void AppendData(this IncrementalHash hash, ReadOnlySpan<byte> data)
    {
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(data.Length);
        try
        {
            data.CopyTo(rented);
            hash.AppendData(rented, 0, data.Length);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static int Digit(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => throw new FormatException($"'{c}' is not a hex digit."),
    };
}

/// <summary>SHA256.HashData: a class of its own, as its signature is MD5.HashData's.</summary>
internal static class Sha256Polyfills
{
    extension(SHA256)
    {
        public static byte[] HashData(byte[] data)
        {
            using var sha256 = SHA256.Create();
            return sha256.ComputeHash(data);
        }
    }
}
