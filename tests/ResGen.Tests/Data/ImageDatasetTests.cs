using ResGen.Data;
using TorchSharp;

namespace ResGen.Tests.Data;

[Collection(TorchCollection.Name)]
public sealed class ImageDatasetTests
{
    private static readonly string[] TwoClasses = ["a", "b"];

    /// <summary>Three 2x2 grey images: image i has pixels i*10 + {0, 85, 170, 255 - i}.</summary>
    private static ImageDataset Grey()
    {
        var pixels = new List<byte>();
        for (int i = 0; i < 3; i++)
        {
            pixels.AddRange([(byte)(i * 10), (byte)(i * 10 + 85), (byte)(i * 10 + 170), (byte)(255 - i)]);
        }
        return new ImageDataset([.. pixels], [0, 1, 1], 3, 2, 2, 1, TwoClasses);
    }

    [Fact]
    public void ToTensor_GivesFloatBatchScaledToMinusOneOne()
    {
        using var batch = Grey().ToTensor(0, 2);

        Assert.Equal(new long[] { 2, 1, 2, 2 }, batch.shape);
        Assert.Equal(torch.ScalarType.Float32, batch.dtype);
        var values = batch.data<float>().ToArray();
        Assert.Equal(-1f, values[0]);
        Assert.Equal(1f, values[3]);
        Assert.Equal(85 / 127.5f - 1f, values[1], 6);
        Assert.Equal(10 / 127.5f - 1f, values[4], 6);
    }

    [Fact]
    public void Batch_FollowsTheIndexOrderWithRepeats()
    {
        var data = Grey();
        using var batch = data.Batch([2, 0, 2]);
        using var labels = data.LabelsTensor([2, 0, 2]);

        var values = batch.data<float>().ToArray();
        Assert.Equal(new long[] { 3, 1, 2, 2 }, batch.shape);
        Assert.Equal(20 / 127.5f - 1f, values[0], 6);
        Assert.Equal(-1f, values[4]);
        Assert.Equal(values[..4], values[8..]);
        Assert.Equal(torch.ScalarType.Int64, labels.dtype);
        Assert.Equal(new long[] { 1, 0, 1 }, labels.data<long>().ToArray());
    }

    [Fact]
    public void LabelsTensor_SliceMatchesLabels()
    {
        using var labels = Grey().LabelsTensor(1, 2);

        Assert.Equal(new long[] { 1, 1 }, labels.data<long>().ToArray());
    }

    [Fact]
    public void ToTensor_MovesRgbChannelsFirst()
    {
        // One 1x2 RGB image: pixel 0 = (255, 0, 0), pixel 1 = (0, 255, 0).
        var data = new ImageDataset([255, 0, 0, 0, 255, 0], [0], 1, 1, 2, 3, TwoClasses);
        using var batch = data.ToTensor(0, 1);

        Assert.Equal(new long[] { 1, 3, 1, 2 }, batch.shape);
        Assert.Equal(new float[] { 1, -1, -1, 1, -1, -1 }, batch.data<float>().ToArray());
    }

    [Fact]
    public void ToTensor_EmptyRangeGivesEmptyBatch()
    {
        using var batch = Grey().ToTensor(3, 0);

        Assert.Equal(new long[] { 0, 1, 2, 2 }, batch.shape);
    }

    [Theory]
    [InlineData(-1, 1)]
    [InlineData(2, 2)]
    [InlineData(0, -1)]
    public void ToTensor_RangeOutsideTheDataSetThrows(int start, int count)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Grey().ToTensor(start, count));

        Assert.Contains($"start={start}, count={count}", error.Message);
    }

    [Fact]
    public void Batch_IndexOutsideTheDataSetThrows()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Grey().Batch([0, 3]));

        Assert.Contains("indices[1] = 3", error.Message);
    }

    [Fact]
    public void Constructor_RejectsWrongPixelCount()
    {
        var error = Assert.Throws<ArgumentException>(
            () => new ImageDataset(new byte[7], [0, 0], 2, 2, 2, 1, TwoClasses));

        Assert.Contains("7 bytes", error.Message);
        Assert.Contains("needs 8", error.Message);
    }

    [Fact]
    public void Constructor_RejectsLabelsBeyondTheClassNames()
    {
        var error = Assert.Throws<ArgumentException>(
            () => new ImageDataset(new byte[4], [0, 2], 2, 1, 2, 1, TwoClasses));

        Assert.Contains("labels[1] = 2", error.Message);
    }

    [Fact]
    public void ParseClass_UsesTheDataSetsNames()
    {
        Assert.Equal(1, Grey().ParseClass("B"));
    }
}
