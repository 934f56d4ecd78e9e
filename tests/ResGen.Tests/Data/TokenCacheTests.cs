using System.Buffers.Binary;
using System.Text;
using ResGen.Data;
using TorchSharp;

namespace ResGen.Tests.Data;

[Collection(TorchCollection.Name)]
public sealed class TokenCacheTests : IDisposable
{
    private const string Metadata = """{"tokenizer":"runs/tok/model.bin","configHash":"abc123"}""";

    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    /// <summary>Three items on a 2x3 grid with depth 2: token (n, l, d) = (n * 100 + l * 10 + d) % 300.</summary>
    private static TokenCache Sample()
    {
        var tokens = new ushort[3 * 6 * 2];
        for (int n = 0; n < 3; n++)
        {
            for (int l = 0; l < 6; l++)
            {
                for (int d = 0; d < 2; d++)
                {
                    tokens[(n * 6 + l) * 2 + d] = (ushort)((n * 100 + l * 10 + d) % 300);
                }
            }
        }
        return new TokenCache(tokens, [4, 0, 9], gridHeight: 2, gridWidth: 3, depth: 2,
                              codebookSize: 300, classCount: 10, Metadata);
    }

    private string WriteSample()
    {
        string path = temp.File("tokens.rgtok");
        TokenCache.Write(path, Sample());
        return path;
    }

    [Fact]
    public void WriteThenRead_RoundTripsEveryField()
    {
        var original = Sample();
        string path = WriteSample();

        var read = TokenCache.Read(path);

        Assert.Equal((3, 6, 2, 300, 2, 3, 10), (read.Count, read.Length, read.Depth, read.CodebookSize,
                                                 read.GridHeight, read.GridWidth, read.ClassCount));
        Assert.Equal(original.Tokens, read.Tokens);
        Assert.Equal(original.LabelValues, read.LabelValues);
        Assert.Equal(Metadata, read.Metadata);
    }

    [Fact]
    public void Write_ProducesTheDocumentedLayout()
    {
        byte[] bytes = File.ReadAllBytes(WriteSample());
        int metaLength = Encoding.UTF8.GetByteCount(Metadata);

        Assert.Equal("RGTOKC01", Encoding.ASCII.GetString(bytes, 0, 8));
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(3, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12)));
        Assert.Equal(metaLength, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(40)));
        Assert.Equal(44 + metaLength + 3 * 6 * 2 * 2 + 3 * 4, bytes.Length);
        Assert.Equal(9, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(bytes.Length - 4)));
    }

    [Fact]
    public void Write_LeavesNoTemporaryFilesAndOverwrites()
    {
        string path = WriteSample();
        TokenCache.Write(path, Sample());

        Assert.Equal([path], Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void Indices_GivesInt64BatchInRequestedOrder()
    {
        var cache = Sample();
        using var indices = cache.Indices([2, 0]);
        using var labels = cache.Labels([2, 0]);

        Assert.Equal(new long[] { 2, 6, 2 }, indices.shape);
        Assert.Equal(torch.ScalarType.Int64, indices.dtype);
        Assert.Equal(200 + 51, indices[0, 5, 1].item<long>());
        Assert.Equal(10, indices[1, 1, 0].item<long>());
        Assert.Equal(new long[] { 9, 4 }, labels.data<long>().ToArray());
    }

    [Fact]
    public void Indices_RejectsOutOfRangeItems()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Sample().Indices([3]));

        Assert.Contains("batchIdx[0] = 3", error.Message);
    }

    [Fact]
    public void FromTensors_MatchesTheArrayConstructor()
    {
        var original = Sample();
        using var indices = original.Indices([0, 1, 2]);
        using var labels = original.Labels([0, 1, 2]);

        var rebuilt = TokenCache.FromTensors(indices, labels, 2, 3, 300, 10, Metadata);

        Assert.Equal(original.Tokens, rebuilt.Tokens);
        Assert.Equal(original.LabelValues, rebuilt.LabelValues);
        Assert.Equal(2, rebuilt.Depth);
    }

    [Fact]
    public void FromTensors_RejectsTokensOutsideTheCodebook()
    {
        using var indices = torch.full([1, 4, 1], 8L, torch.int64);
        using var labels = torch.zeros([1], torch.int64);

        var error = Assert.Throws<ArgumentException>(() => TokenCache.FromTensors(indices, labels, 2, 2, 8, 10, "{}"));

        Assert.Contains("outside 0..7", error.Message);
    }

    [Fact]
    public void FromTensors_RejectsShapeThatDoesNotMatchTheGrid()
    {
        using var indices = torch.zeros([1, 5, 1], torch.int64);
        using var labels = torch.zeros([1], torch.int64);

        Assert.Throws<ArgumentException>(() => TokenCache.FromTensors(indices, labels, 2, 2, 8, 10, "{}"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65537)]
    public void Constructor_RejectsCodebookSizesUint16CannotHold(int k)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new TokenCache([], [], 1, 1, 1, k, 1, "{}"));

        Assert.Contains($"codebookSize is {k}", error.Message);
    }

    [Fact]
    public void Constructor_RejectsInvalidMetadataAndBadLabels()
    {
        Assert.Throws<ArgumentException>(() => new TokenCache([0], [0], 1, 1, 1, 4, 1, "not json"));
        var error = Assert.Throws<ArgumentException>(() => new TokenCache([0], [3], 1, 1, 1, 4, 2, "{}"));
        Assert.Contains("label 0 is 3", error.Message);
    }

    [Fact]
    public void Read_MissingFileIsAUserError()
    {
        string path = temp.File("absent.rgtok");

        var error = Assert.Throws<UserErrorException>(() => TokenCache.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("does not exist", error.Message);
    }

    [Fact]
    public void Read_BadMagicIsAUserError()
    {
        string path = WriteSample();
        byte[] bytes = File.ReadAllBytes(path);
        bytes[7] = (byte)'2';
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<UserErrorException>(() => TokenCache.Read(path));

        Assert.Contains("is not a token cache", error.Message);
    }

    [Fact]
    public void Read_UnsupportedVersionIsAUserError()
    {
        string path = WriteSample();
        byte[] bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), 7);
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<UserErrorException>(() => TokenCache.Read(path));

        Assert.Contains("version 7", error.Message);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(60)]
    [InlineData(1)]
    public void Read_TruncatedFileIsAUserError(int keep)
    {
        string path = WriteSample();
        byte[] bytes = File.ReadAllBytes(path);
        int length = keep == 1 ? bytes.Length - 1 : keep;
        File.WriteAllBytes(path, bytes[..length]);

        var error = Assert.Throws<UserErrorException>(() => TokenCache.Read(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Read_TrailingBytesAreReported()
    {
        string path = WriteSample();
        File.AppendAllText(path, "xx");

        var error = Assert.Throws<UserErrorException>(() => TokenCache.Read(path));

        Assert.Contains("2 unexpected bytes", error.Message);
    }

    [Fact]
    public void Read_TokenBeyondTheCodebookIsReportedAsCorrupt()
    {
        string path = WriteSample();
        byte[] bytes = File.ReadAllBytes(path);
        int firstToken = 44 + Encoding.UTF8.GetByteCount(Metadata);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(firstToken), 300);
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<UserErrorException>(() => TokenCache.Read(path));

        Assert.Contains("is corrupt: token 0 is 300", error.Message);
    }

    [Fact]
    public void Read_InconsistentHeaderIsReported()
    {
        string path = WriteSample();
        byte[] bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(28), 5); // grid height 5 * width 3 != L 6
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<UserErrorException>(() => TokenCache.Read(path));

        Assert.Contains("inconsistent header", error.Message);
    }
}
