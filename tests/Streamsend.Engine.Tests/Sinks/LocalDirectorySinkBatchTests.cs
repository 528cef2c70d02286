using System.Security.Cryptography;
using System.Text;
using Streamsend.Engine.Sinks;
using Streamsend.Engine.Tests.Support;

namespace Streamsend.Engine.Tests.Sinks;

public class LocalDirectorySinkBatchTests
{
    [Fact]
    public async Task A_batch_lands_every_file_with_its_bytes_and_time_and_a_later_receiver_knows_them_as_landed()
    {
        using var files = new TestFiles();
        var batch = Enumerable.Range(0, 20).Select(i => Complete($"dir-{i % 3}/file-{i}.txt", $"content of file {i}")).ToList();

        var sink = new LocalDirectorySink(files.Root);
        await sink.PrepareAsync(CancellationToken.None);
        IReadOnlyList<FileLanding> landings;
        try
        {
            landings = await sink.LandAllAsync(batch, CancellationToken.None);
        }
        finally
        {
            await sink.DisposeAsync();
        }

        Assert.All(landings, l => Assert.Null(l.Error));
        Assert.Equal(batch.Select(f => files.PathOf(f.File.RelativePath)), landings.Select(l => l.Landed!.Location));
        Assert.Equal(batch.ToDictionary(f => f.File.RelativePath, f => f.Md5), TestFiles.Hashes(files.Root));
        Assert.All(batch, f => Assert.Equal(f.File.LastWriteTimeUtc.UtcDateTime, File.GetLastWriteTimeUtc(files.PathOf(f.File.RelativePath))));
        Assert.Empty(TestFiles.StagedLeftovers(files.Root));
        var restarted = new LocalDirectorySink(files.Root);
        await restarted.PrepareAsync(CancellationToken.None);
        try
        {
            foreach (var file in batch)
            {
                Assert.True(await restarted.WasLandedAsync(file.File, CancellationToken.None));
            }
        }
        finally
        {
            await restarted.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_file_the_destination_refuses_fails_alone_and_its_neighbours_land()
    {
        using var files = new TestFiles();
        Directory.CreateDirectory(files.PathOf("taken.txt"));
        var batch = new[]
        {
            Complete("a.txt", "first"),
            Complete(".streamsend/evil.txt", "into the state folder"),
            Complete("taken.txt", "a directory has this name"),
            Complete("b.txt", "last"),
        };

        var sink = new LocalDirectorySink(files.Root);
        await sink.PrepareAsync(CancellationToken.None);
        IReadOnlyList<FileLanding> landings;
        try
        {
            landings = await sink.LandAllAsync(batch, CancellationToken.None);
            Assert.False(await sink.WasLandedAsync(batch[1].File, CancellationToken.None));
            Assert.False(await sink.WasLandedAsync(batch[2].File, CancellationToken.None));
            Assert.True(await sink.WasLandedAsync(batch[3].File, CancellationToken.None));
        }
        finally
        {
            await sink.DisposeAsync();
        }

        Assert.Equal(new[] { false, true, true, false }, landings.Select(l => l.Error is not null));
        Assert.Equal("UnsafeRelativePath", landings[1].Error!.ErrorId);
        Assert.Equal("DestinationWriteFailed", landings[2].Error!.ErrorId);
        Assert.Equal(new[] { "a.txt", "b.txt" }, TestFiles.Hashes(files.Root).Keys.OrderBy(k => k));
        Assert.True(Directory.Exists(files.PathOf("taken.txt")));
        Assert.Empty(TestFiles.StagedLeftovers(files.Root));
    }

    /// <summary>A small file as a pack brings it, whole and with its MD5.</summary>
    internal static CompleteFile Complete(string relativePath, string text)
    {
        var content = Encoding.UTF8.GetBytes(text);
        var md5 = Convert.ToHexString(MD5.HashData(content)).ToLowerInvariant();
        return new CompleteFile(new IncomingFile(Guid.NewGuid(), relativePath, "test", content.Length, new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.Zero)), content, md5);
    }
}
