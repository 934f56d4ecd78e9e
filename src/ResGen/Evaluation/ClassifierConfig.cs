using ResGen.Config;
using ResGen.Training;

namespace ResGen.Evaluation;

/// <summary>
/// Shape of the evaluation classifier: one 3×3 conv stage per entry of
/// <see cref="HiddenChannels"/> (each conv followed by GroupNorm and ReLU) with 2× max-pooling
/// between stages, average pooling to a <see cref="PooledSize"/>² grid (1 = global average
/// pooling), a <see cref="FeatureDim"/>-wide feature layer and a linear layer to the class logits.
/// </summary>
public sealed record ClassifierModelConfig : IValidatable
{
    /// <summary>Side of the (square) input image in pixels.</summary>
    [ValueRange(2, 16384)]
    public int ImageSize { get; init; } = 28;
    /// <summary>Colour channels of the input (1 = grey, 3 = RGB).</summary>
    [ValueRange(1, 64)]
    public int Channels { get; init; } = 1;
    /// <summary>Number of classes.</summary>
    [ValueRange(2, 1_000_000)]
    public int Classes { get; init; } = 10;
    /// <summary>Feature channels of each conv stage, finest first; stages after the first halve the resolution.</summary>
    [ValueRange(1, 65536)]
    public int[] HiddenChannels { get; init; } = [32, 64, 128];
    /// <summary>3×3 convs in each stage.</summary>
    [ValueRange(1, 64)]
    public int ConvsPerStage { get; init; } = 1;
    /// <summary>Side of the grid the last stage is average-pooled to before the feature layer (1 = global average pooling; larger keeps coarse positions).</summary>
    [ValueRange(1, 16384)]
    public int PooledSize { get; init; } = 3;
    /// <summary>Width of the feature vector the Fréchet distance is computed on.</summary>
    [ValueRange(1, 65536)]
    public int FeatureDim { get; init; } = 128;
    /// <summary>Dropout on the features before the logits (training only).</summary>
    [ValueRange(0, 1, MaxExclusive = true)]
    public double Dropout { get; init; } = 0.0;

    public void Validate()
    {
        if (ImageSize < 2) throw new UserErrorException($"model image_size must be at least 2, got {ImageSize}.");
        if (Channels < 1) throw new UserErrorException($"model channels must be positive, got {Channels}.");
        if (Classes < 2) throw new UserErrorException($"model classes must be at least 2, got {Classes}.");
        if (HiddenChannels.Length == 0 || HiddenChannels.Any(c => c < 1))
            throw new UserErrorException("model hidden_channels must list at least one positive channel count.");
        if (ImageSize >> (HiddenChannels.Length - 1) < 1)
            throw new UserErrorException($"model hidden_channels has {HiddenChannels.Length} stages, too many to halve a {ImageSize} px image between them.");
        if (ConvsPerStage < 1) throw new UserErrorException($"model convs_per_stage must be at least 1, got {ConvsPerStage}.");
        if (PooledSize < 1 || PooledSize > ImageSize >> (HiddenChannels.Length - 1))
            throw new UserErrorException($"model pooled_size must be between 1 and the last stage's resolution {ImageSize >> (HiddenChannels.Length - 1)}, got {PooledSize}.");
        if (FeatureDim < 1) throw new UserErrorException($"model feature_dim must be positive, got {FeatureDim}.");
        if (Dropout is < 0 or >= 1) throw new UserErrorException($"model dropout must be in [0, 1), got {Dropout}.");
    }
}

/// <summary>Training-time augmentation of the classifier's inputs.</summary>
public sealed record ClassifierAugmentConfig : IValidatable
{
    /// <summary>Shift every training image by a random whole number of pixels in [-max_shift, max_shift] per axis (0 = off); the uncovered border is background (-1).</summary>
    [ValueRange(0, 16384)]
    public int MaxShift { get; init; } = 2;
    /// <summary>Label smoothing of the cross-entropy (0 = plain cross-entropy).</summary>
    [ValueRange(0, 1, MaxExclusive = true)]
    public double LabelSmoothing { get; init; } = 0.0;

    public void Validate()
    {
        if (MaxShift < 0) throw new UserErrorException($"augment max_shift must be >= 0, got {MaxShift}.");
        if (LabelSmoothing is < 0 or >= 1) throw new UserErrorException($"augment label_smoothing must be in [0, 1), got {LabelSmoothing}.");
    }
}

/// <summary>Everything a classifier run needs: the model, the augmentation and the optimisation.</summary>
public sealed record ClassifierConfig : IValidatable
{
    public ClassifierModelConfig Model { get; init; } = new();
    public ClassifierAugmentConfig Augment { get; init; } = new();
    public TrainSettings Train { get; init; } = new();

    public void Validate()
    {
        Model.Validate();
        Augment.Validate();
        Train.Validate();
    }

    /// <summary>Builds the classifier this config describes.</summary>
    public FashionClassifier Build() => new(Model);
}
