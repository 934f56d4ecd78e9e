using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using ResGen.Data;
using ResGen.Training;
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
        string path = temp.File("tokens.safetensors");
        TokenCache.Write(path, Sample());
        return path;
    }

    /// <summary>Rewrites the JSON header of a safetensors file, keeping its tensor bytes.</summary>
    private static void EditHeader(string path, Action<JsonObject> edit)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int length = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        var header = JsonNode.Parse(bytes.AsSpan(8, length))!.AsObject();
        edit(header);
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((ulong)json.Length), .. json, .. bytes.AsSpan(8 + length)]);
    }

    /// <summary>Where tensor <paramref name="name"/>'s bytes start in the file.</summary>
    private static long DataStart(string path, string name)
    {
        byte[] bytes = File.ReadAllBytes(path);
        return 8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes) + SafetensorsFile.ReadIndex(path, "cache")[name].Begin;
    }

    /// <summary>Reading fails with one line ending in a full stop that names the file and says <paramref name="says"/>.</summary>
    private static void ReadFailsWith(string path, string says)
    {
        var error = Assert.Throws<UserErrorException>(() => TokenCache.Read(path));
        Assert.Contains(says, error.Message);
        Assert.Contains(path, error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.EndsWith(".", error.Message);
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

    [Theory]
    [InlineData(1, "U8")]
    [InlineData(256, "U8")]
    [InlineData(257, "I16")]
    [InlineData(32768, "I16")]
    [InlineData(32769, "I32")]
    [InlineData(65536, "I32")]
    public void TokensAreStoredInTheNarrowestDtypeThatHoldsTheCodebookAndRoundTrip(int k, string dtype)
    {
        ushort[] tokens = [0, (ushort)(k - 1), (ushort)(k / 2), (ushort)(k - 1)];
        string path = temp.File("k.safetensors");
        TokenCache.Write(path, new TokenCache(tokens, [1, 0], 1, 2, 1, k, 2, "{}"));

        Assert.Equal(dtype, SafetensorsFile.ReadIndex(path, "cache")["tokens"].DType);
        var read = TokenCache.Read(path);
        Assert.Equal(tokens, read.Tokens);
        Assert.Equal(k, read.CodebookSize);
    }

    [Fact]
    public void Write_ProducesAPlainSafetensorsFileWithTheLayoutInItsMetadata()
    {
        string path = WriteSample();
        byte[] bytes = File.ReadAllBytes(path);

        var header = SafetensorsFile.ReadHeader(path, "cache");
        Assert.Equal(["labels", "tokens"], header.Tensors.Keys.Order());
        Assert.Equal("I16", header.Tensors["tokens"].DType);
        Assert.Equal([3, 6, 2], header.Tensors["tokens"].Shape);
        Assert.Equal("I32", header.Tensors["labels"].DType);
        Assert.Equal([3], header.Tensors["labels"].Shape);
        Assert.Equal(new Dictionary<string, string>
        {
            ["format"] = "resgen-token-cache",
            ["format_version"] = "1",
            ["grid_height"] = "2",
            ["grid_width"] = "3",
            ["codebook_size"] = "300",
            ["class_count"] = "10",
            ["source"] = Metadata,
        }, header.Metadata);
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes) % 8);   // data 8-byte aligned, as Python's writer does
        // the tensors as TorchSharp.PyBridge (and so Python) sees them
        using var scope = torch.NewDisposeScope();
        var tensors = SafetensorsFile.Load(path, "cache");
        Assert.Equal(torch.ScalarType.Int16, tensors["tokens"].dtype);
        Assert.Equal(200 + 51, tensors["tokens"][2, 5, 1].item<short>());
        Assert.Equal(new[] { 4, 0, 9 }, tensors["labels"].data<int>().ToArray());
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
        ReadFailsWith(temp.File("absent.safetensors"), "does not exist");
    }

    [Fact]
    public void Read_TheOldFormatAsksToReEncode()
    {
        // the start of a cache in the RGTOKC01 format this version replaced: magic, version 1, N = 3, ...
        string path = temp.File("tokens-train.bin");
        byte[] old = new byte[44 + 2 + 3 * 6 * 2 * 2 + 3 * 4];
        Encoding.ASCII.GetBytes("RGTOKC01", old);
        int[] fields = [1, 3, 6, 2, 300, 2, 3, 10, 2];
        for (int i = 0; i < fields.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(old.AsSpan(8 + 4 * i), fields[i]);
        }
        File.WriteAllBytes(path, old);

        ReadFailsWith(path, "is in the old RGTOKC01 format, which this version no longer reads; re-create it with `resgen tokenizer encode`");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(20)]
    [InlineData(100)]
    [InlineData(-1)]
    public void Read_TruncatedFileIsAUserError(int keep)
    {
        string path = WriteSample();
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(keep < 0 ? bytes.Length + keep : keep)]);

        ReadFailsWith(path, "truncated or corrupt");
    }

    [Fact]
    public void Read_TrailingBytesAreReported()
    {
        string path = WriteSample();
        long length = new FileInfo(path).Length;
        File.AppendAllText(path, "xx");

        ReadFailsWith(path, $"the header describes {length} bytes but the file has {length + 2}");
    }

    [Theory]
    [InlineData(300, "is corrupt: token 0 is 300, which is not below the codebook size 300")]
    [InlineData(-2, "is corrupt: token 0 is -2, outside 0..65535")]
    public void Read_TokenOutsideTheCodebookIsReportedAsCorrupt(short token, string says)
    {
        string path = WriteSample();
        byte[] bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(checked((int)DataStart(path, "tokens"))), token);
        File.WriteAllBytes(path, bytes);

        ReadFailsWith(path, says);
    }

    [Fact]
    public void Read_LabelOutsideTheClassesIsReportedAsCorrupt()
    {
        string path = WriteSample();
        byte[] bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(checked((int)DataStart(path, "labels")) + 4), 10);
        File.WriteAllBytes(path, bytes);

        ReadFailsWith(path, "is corrupt: label 1 is 10, outside 0..9 for 10 classes");
    }

    [Theory]
    [InlineData("grid_height", "5", "do not fit [N, 15, D] and [N] for a 5x3 grid")]
    [InlineData("grid_width", "-3", "its metadata \"grid_width\" is '-3', not a whole number")]
    [InlineData("codebook_size", "65537", "its metadata \"codebook_size\" is '65537', not a whole number in 1..65536")]
    [InlineData("codebook_size", "251", "token 35 is 251, which is not below the codebook size 251")]
    [InlineData("class_count", "0x10", "its metadata \"class_count\" is '0x10'")]
    [InlineData("class_count", null, "its metadata lacks \"class_count\"")]
    [InlineData("source", "{not json", "the metadata is not valid JSON")]
    [InlineData("source", null, "its metadata lacks \"source\"")]
    [InlineData("format_version", "2", "has format version '2', but this build reads only version 1; re-create it with `resgen tokenizer encode`")]
    [InlineData("format_version", null, "its metadata lacks \"format_version\"")]
    [InlineData("format", "resgen-checkpoint", "is not a token cache")]
    [InlineData("format", null, "is not a token cache")]
    public void Read_BadMetadataIsReported(string key, string? value, string says)
    {
        string path = WriteSample();
        EditHeader(path, header =>
        {
            var meta = header["__metadata__"]!.AsObject();
            if (value is null) meta.Remove(key);
            else meta[key] = value;
        });

        ReadFailsWith(path, says);
    }

    [Theory]
    [InlineData("labels I64", "its tokens are I16 and its labels I64, but U8, I16 or I32 tokens and I32 labels are expected")]
    [InlineData("tokens F16", "its tokens are F16 and its labels I32")]
    [InlineData("tokens [3, 12]", "its tokens [3, 12] and labels [3] do not fit [N, 6, D] and [N] for a 2x3 grid")]
    [InlineData("tokens [2, 6, 2]", "its tokens [2, 6, 2] and labels [3] do not fit")]
    [InlineData("tokens [3, 6, 0]", "its tokens [3, 6, 0] and labels [3] do not fit")]
    [InlineData("labels [1, 3]", "its tokens [3, 6, 2] and labels [1, 3] do not fit")]
    [InlineData("extra", "it holds the tensors [extra, labels, tokens] instead of [labels, tokens]")]
    [InlineData("no labels", "it holds the tensors [tokens] instead of [labels, tokens]")]
    public void Read_WrongTensorsAreReported(string change, string says)
    {
        // a well-formed safetensors file with the sample's metadata but other tensors
        string path = WriteSample();
        var metadata = SafetensorsFile.ReadHeader(path, "cache").Metadata;
        using var scope = torch.NewDisposeScope();
        var tensors = new Dictionary<string, torch.Tensor>
        {
            ["tokens"] = torch.zeros([3, 6, 2], torch.int16),
            ["labels"] = torch.zeros([3], torch.int32),
        };
        switch (change)
        {
            case "labels I64": tensors["labels"] = torch.zeros([3], torch.int64); break;
            case "tokens F16": tensors["tokens"] = torch.zeros([3, 6, 2], torch.float16); break;
            case "tokens [3, 12]": tensors["tokens"] = torch.zeros([3, 12], torch.int16); break;
            case "tokens [2, 6, 2]": tensors["tokens"] = torch.zeros([2, 6, 2], torch.int16); break;
            case "tokens [3, 6, 0]": tensors["tokens"] = torch.zeros([3, 6, 0], torch.int16); break;
            case "labels [1, 3]": tensors["labels"] = torch.zeros([1, 3], torch.int32); break;
            case "extra": tensors["extra"] = torch.zeros([1], torch.uint8); break;
            case "no labels": tensors.Remove("labels"); break;
            default: throw new ArgumentException(change);
        }
        SafetensorsFile.WriteAtomic(path, tensors, metadata);

        ReadFailsWith(path, says);
    }

    [Fact]
    public void Read_ACheckpointIsNotATokenCache()
    {
        string path = temp.File("model.safetensors");
        using (var scope = torch.NewDisposeScope())
        {
            SafetensorsFile.WriteAtomic(path, new Dictionary<string, torch.Tensor> { ["weight"] = torch.zeros(2, 2) });
        }

        ReadFailsWith(path, "is not a token cache: its safetensors metadata lacks \"format\": \"resgen-token-cache\"");
    }
}
