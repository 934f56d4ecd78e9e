using ResGen.Nn;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Evaluation;

/// <summary>Features and logits of one pass of the classifier.</summary>
/// <param name="Features">The feature vectors [B, F] that Fréchet distances are computed on.</param>
/// <param name="Logits">The class logits [B, classes].</param>
public sealed record ClassifierOutput(Tensor Features, Tensor Logits);

/// <summary>
/// A small CNN that classifies images in [-1, 1] and whose penultimate layer serves as the
/// feature space of the project's Fréchet distance (the role Inception-v3 plays for FID):
/// conv stages (3×3 conv → GroupNorm → ReLU, 2× max-pool between stages) → average pool to a
/// P×P grid (P = 1: global average pool) → flatten → linear → ReLU → LayerNorm = features [B, F]
/// → dropout → linear = logits.
/// </summary>
public sealed class FashionClassifier : Module<Tensor, Tensor>
{
    readonly ModuleList<Module<Tensor, Tensor>> stages = new();
    readonly Linear feature;
    readonly LayerNorm feature_norm;
    readonly Dropout dropout;
    readonly Linear head;

    public FashionClassifier(ClassifierModelConfig config) : base("fashion_classifier")
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        int inChannels = config.Channels;
        for (int s = 0; s < config.HiddenChannels.Length; s++)
        {
            int c = config.HiddenChannels[s];
            var layers = new List<(string, Module<Tensor, Tensor>)>();
            if (s > 0) layers.Add(("pool", MaxPool2d(2)));
            for (int k = 0; k < config.ConvsPerStage; k++)
            {
                layers.Add(($"conv{k}", Conv2d(k == 0 ? inChannels : c, c, 3, padding: 1)));
                layers.Add(($"norm{k}", Norms.Group(c)));
                layers.Add(($"act{k}", ReLU()));
            }
            stages.Add(Sequential(layers));
            inChannels = c;
        }
        feature = Linear(inChannels * config.PooledSize * config.PooledSize, config.FeatureDim);
        feature_norm = Norms.Layer(config.FeatureDim);
        dropout = Dropout(config.Dropout);
        head = Linear(config.FeatureDim, config.Classes);
        RegisterComponents();
    }

    /// <summary>The shape this classifier was built with.</summary>
    public ClassifierModelConfig Config { get; }

    /// <summary>Width of <see cref="Features"/>.</summary>
    public int FeatureDim => Config.FeatureDim;

    /// <summary>Number of classes.</summary>
    public int Classes => Config.Classes;

    /// <summary>Images [B, C, S, S] in [-1, 1] → class logits [B, classes].</summary>
    public override Tensor forward(Tensor images) => Run(images).Logits;

    /// <summary>Images [B, C, S, S] in [-1, 1] → penultimate feature vectors [B, F].</summary>
    public Tensor Features(Tensor images)
    {
        CheckImages(images);
        var h = images;
        foreach (var stage in stages) h = stage.forward(h);
        h = Config.PooledSize == 1
            ? h.mean([2, 3])                                                       // global average pool → [B, C]
            : functional.adaptive_avg_pool2d(h, [Config.PooledSize, Config.PooledSize]).flatten(1);   // [B, C·P²]
        return feature_norm.forward(functional.relu(feature.forward(h)));
    }

    /// <summary>Features and logits from one pass.</summary>
    public ClassifierOutput Run(Tensor images)
    {
        var f = Features(images);
        return new ClassifierOutput(f, head.forward(dropout.forward(f)));
    }

    void CheckImages(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != Config.Channels || images.shape[2] != Config.ImageSize || images.shape[3] != Config.ImageSize)
            throw new ArgumentException(
                $"expected images [B, {Config.Channels}, {Config.ImageSize}, {Config.ImageSize}], got [{string.Join(", ", images.shape)}]");
    }
}
