using System.Text;
using ResGen.Config;
using ResGen.Data;
using ResGen.Evaluation;
using ResGen.Generation;
using ResGen.Tests.Config;
using ResGen.Tests.Data;
using ResGen.Training;
using TorchSharp;

namespace ResGen.Tests.IO;

/// <summary>
/// Every reader of outside bytes gets thousands of damaged versions of a valid file (bytes flipped or
/// overwritten, numbers in headers made huge or negative, truncations, junk appended, pieces
/// repeated): each must end in a valid result or a <see cref="UserErrorException"/> (one sentence for
/// the user), never another exception, a crash or a hang.
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class FuzzTests : IDisposable
{
    readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    static readonly int[] Extremes = [0, 1, -1, 7, 255, 65535, 65536, int.MaxValue, int.MinValue, 1 << 30];

    /// <summary>One random damage of <paramref name="valid"/>.</summary>
    static byte[] Mutate(byte[] valid, Random rng)
    {
        var b = valid.ToList();
        int kinds = rng.Next(1, 4);
        for (int k = 0; k < kinds; k++)
        {
            int at = b.Count == 0 ? 0 : rng.Next(b.Count);
            switch (rng.Next(8))
            {
                case 0: if (b.Count > 0) b[at] ^= (byte)(1 << rng.Next(8)); break;
                case 1: if (b.Count > 0) b[at] = (byte)rng.Next(256); break;
                case 2: b.RemoveRange(at, b.Count - at); break;                              // truncation
                case 3: b.AddRange(Enumerable.Range(0, rng.Next(1, 64)).Select(_ => (byte)rng.Next(256))); break;
                case 4:                                                                        // a header integer made extreme
                    int h = rng.Next(Math.Min(64, Math.Max(1, b.Count - 4)));
                    var v = BitConverter.GetBytes(Extremes[rng.Next(Extremes.Length)]);
                    if (rng.Next(2) == 0) Array.Reverse(v);
                    for (int i = 0; i < 4 && h + i < b.Count; i++) b[h + i] = v[i];
                    break;
                case 5:                                                                        // a decimal number in text made huge or negative
                    var text = Encoding.Latin1.GetString([.. b]);
                    var digits = System.Text.RegularExpressions.Regex.Matches(text, "[0-9]+");
                    if (digits.Count == 0) break;
                    var m = digits[rng.Next(digits.Count)];
                    string[] repl = ["99999999999999999999", "-1", "0", "4294967296", "1e308", "NaN", "\"x\"", "[]"];
                    b = [.. Encoding.Latin1.GetBytes(text[..m.Index] + repl[rng.Next(repl.Length)] + text[(m.Index + m.Length)..])];
                    break;
                case 6: if (b.Count > 0) b.InsertRange(at, b.GetRange(at, Math.Min(rng.Next(1, 32), b.Count - at))); break;
                default: if (b.Count > 0) b.RemoveRange(at, Math.Min(rng.Next(1, 16), b.Count - at)); break;
            }
        }
        return [.. b];
    }

    /// <summary>Runs <paramref name="read"/> on <paramref name="cases"/> damaged files; counts valid results.</summary>
    int Fuzz(string name, byte[] valid, Action<string> read, int cases, int seed, Func<byte[], byte[]>? encode = null)
    {
        read(Write(name, encode is null ? valid : encode(valid)));           // the undamaged file reads
        var rng = new Random(seed);
        int ok = 0;
        for (int i = 0; i < cases; i++)
        {
            var damaged = Mutate(valid, rng);
            string path = Write(name, encode is null ? damaged : encode(damaged));
            var task = Task.Run(() =>
            {
                using var scope = torch.NewDisposeScope();
                read(path);
            });
            try
            {
                Assert.True(task.Wait(TimeSpan.FromSeconds(20)), $"{name} case {i}: no answer in 20 s");
                ok++;
            }
            catch (AggregateException e) when (e.InnerException is UserErrorException) { }
            catch (AggregateException e)
            {
                Assert.Fail($"{name} case {i} (seed {seed}): {e.InnerException!.GetType().Name}: {e.InnerException.Message}");
            }
        }
        return ok;
    }

    string Write(string name, byte[] bytes)
    {
        string path = _dir.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void SafetensorsWeightsAndSidecars()
    {
        var module = torch.nn.Sequential(("a", torch.nn.Linear(4, 3)), ("b", torch.nn.LayerNorm(3)));
        string stem = _dir.File("ckpt");
        Checkpoint.Save(stem, module, "tiny", new TestRootConfig(), 5);
        var weights = File.ReadAllBytes(stem + ".safetensors");
        var sidecar = File.ReadAllBytes(stem + ".json");

        Fuzz("w.safetensors", weights, p => SafetensorsFile.Load(p, "weights"), 1500, 1);
        // through the checkpoint loader: keys, shapes and finiteness checked before the module is touched
        File.Copy(stem + ".json", _dir.File("w.json"), overwrite: true);
        Fuzz("w.safetensors", weights, p => Checkpoint.Load(p, module, "tiny"), 600, 2);
        Fuzz("s.json", sidecar, p => CheckpointInfo.Parse(File.ReadAllText(p), p), 2000, 3);
        File.Copy(stem + ".safetensors", _dir.File("c.safetensors"), overwrite: true);
        Fuzz("c.json", sidecar, p => Checkpoint.LoadConfig<TestRootConfig>(p, "tiny"), 600, 4);
    }

    [Fact]
    public void TokenCaches()
    {
        var rng = new Random(5);
        var tokens = Enumerable.Range(0, 6 * 4 * 3).Select(_ => (ushort)rng.Next(16)).ToArray();
        string path = _dir.File("valid.safetensors");
        TokenCache.Write(path, new TokenCache(tokens, [0, 1, 2, 3, 4, 5], 2, 2, 3, 16, 10, """{"tokenizer_config_hash":"abc"}"""));
        Fuzz("t.safetensors", File.ReadAllBytes(path), p => TokenCache.Read(p), 2000, 6);
        // K = 300 stores the tokens as I16 (K = 16 above: U8), where damage can also make them negative
        var wide = tokens.Select(t => (ushort)(t * 18)).ToArray();
        TokenCache.Write(path, new TokenCache(wide, [0, 1, 2, 3, 4, 5], 2, 2, 3, 300, 10, """{"tokenizer_config_hash":"abc"}"""));
        Fuzz("t.safetensors", File.ReadAllBytes(path), p => TokenCache.Read(p), 1000, 13);
    }

    [Fact]
    public void FeatureStatistics()
    {
        using var features = torch.randn(20, 5, generator: new torch.Generator(14));
        string path = _dir.File("valid.safetensors");
        FeatureStats.FromFeatures(features, "classifier 0123456789abcdef; test split; 20 images").Save(path);
        Fuzz("f.safetensors", File.ReadAllBytes(path), p => FeatureStats.Load(p), 1500, 15);
    }

    [Fact]
    public void IdxFilesRawAndCompressed()
    {
        var rng = new Random(7);
        var pixels = Enumerable.Range(0, 5 * 28 * 28).Select(_ => (byte)rng.Next(256)).ToArray();
        var images = IdxWriter.Raw([5, 28, 28], pixels);
        var labels = IdxWriter.Raw([5], [1, 2, 3, 4, 9]);
        File.WriteAllBytes(_dir.File("train-labels-idx1-ubyte.gz"), IdxWriter.Gzip(labels));
        void Read(string _) => FashionMnist.Load("train", _dir.Path);
        Fuzz("train-images-idx3-ubyte.gz", images, Read, 1500, 8, IdxWriter.Gzip);      // damaged IDX, valid gzip
        Fuzz("train-images-idx3-ubyte.gz", IdxWriter.Gzip(images), Read, 1000, 9);      // damaged gzip stream
        File.WriteAllBytes(_dir.File("train-images-idx3-ubyte.gz"), IdxWriter.Gzip(images));
        Fuzz("train-labels-idx1-ubyte.gz", labels, Read, 1000, 10, IdxWriter.Gzip);
    }

    [Fact]
    public void ConfigFiles()
    {
        string root = Repo.Root();
        foreach (var (name, seed) in new[] { ("resgen-small.json", 11), ("resgen-tiny.json", 12) })
        {
            var valid = File.ReadAllBytes(Path.Combine(root, "configs", name));
            Fuzz(name, valid, p => ConfigLoader.Load<ResGenRunConfig>(p, []), 1000, seed);
        }
    }

    [Theory]
    [InlineData("png", 13)]
    [InlineData("jpg", 14)]
    [InlineData("webp", 15)]
    public void ImageFiles(string format, int seed)
    {
        var kind = format switch { "png" => SkiaSharp.SKEncodedImageFormat.Png, "jpg" => SkiaSharp.SKEncodedImageFormat.Jpeg, _ => SkiaSharp.SKEncodedImageFormat.Webp };
        using var bitmap = new SkiaSharp.SKBitmap(new SkiaSharp.SKImageInfo(24, 16, SkiaSharp.SKColorType.Rgba8888, SkiaSharp.SKAlphaType.Unpremul));
        for (int y = 0; y < 16; y++)
            for (int x = 0; x < 24; x++) bitmap.SetPixel(x, y, new SkiaSharp.SKColor((byte)(x * 10), (byte)(y * 15), 90, (byte)(255 - x)));
        using var image = SkiaSharp.SKImage.FromBitmap(bitmap);
        using var encoded = image.Encode(kind, 90);
        int decoded = Fuzz("picture." + format, encoded.ToArray(), p => Assert.Equal(8 * 8 * 3, ImageDecoder.Load(p, 8, 3).Length), 1500, seed);
        Assert.True(decoded < 1500, "no damaged picture was refused");   // the damage reaches the decoder
    }
}
