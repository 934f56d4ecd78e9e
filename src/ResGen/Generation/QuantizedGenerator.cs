using ResGen.Conditioning;
using ResGen.Tokens;
using ResGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Generation;

/// <summary>What every generator network offers besides its forward: the tokens it models and its latent scale.</summary>
public interface IGeneratorNetwork
{
    TokenLayout Layout { get; }
    /// <summary>Sets the spread of the tokenizer's latents (inputs are divided by it, continuous outputs scaled back).</summary>
    void SetLatentScale(float scale);
}

/// <summary>The latent-scale buffer every generator network keeps (saved with its weights).</summary>
public static class LatentScaleBuffer
{
    /// <summary>A fresh buffer holding 1.</summary>
    public static Tensor Create() => torch.ones(1);

    /// <summary>
    /// Spread of the tokenizer's latents on a sample of token sequences [N, L, D]: the root mean square
    /// over dimensions of the full embedding sums (the networks' input and output scale).
    /// </summary>
    public static float Measure(ResidualVectorQuantizer quantizer, Tensor indices)
    {
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        return quantizer.Decode(indices).pow(2).mean().sqrt().item<float>();
    }

    /// <summary>
    /// Spread of the masked sum at each masked count on a sample [N, L, D]: for k = 1..D the root mean
    /// square over dimensions of the summed embeddings of the k finest depths (element k − 1).
    /// </summary>
    public static float[] MeasureByCount(ResidualVectorQuantizer quantizer, Tensor indices)
    {
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        int depth = quantizer.Depth;
        var vectors = quantizer.CodeVectors(indices);                                   // [.., D, d_z]
        var suffix = vectors.flip(-2).cumsum(-2);                                       // [.., k − 1, d_z]: the k finest
        var rms = suffix.pow(2).reshape(-1, depth, quantizer.CodeDim).mean([0, 2]).sqrt();
        return rms.cpu().data<float>().ToArray();
    }

    /// <summary>Writes a measured spread into the buffer; it must be positive and finite.</summary>
    public static void Set(Tensor buffer, float scale)
    {
        if (!(scale > 0) || float.IsInfinity(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "latent scale must be positive and finite");
        using var _ = torch.no_grad();
        buffer.fill_(scale);
    }
}

/// <summary>
/// A generator made of a network and the tokenizer's quantizer, whose codebooks turn token sequences
/// into the embeddings the network reads. The quantizer is not part of the generator's checkpoint;
/// it comes from the tokenizer checkpoint the generator was trained on. Sampling always runs in eval mode.
/// </summary>
public abstract class QuantizedGenerator<TNetwork> : IGenerator, ILatentScaled where TNetwork : nn.Module, IGeneratorNetwork
{
    protected QuantizedGenerator(TNetwork network, ResidualVectorQuantizer quantizer)
    {
        network.Layout.CheckQuantizer(quantizer, "generator");
        Network = network;
        Quantizer = quantizer;
    }

    public TNetwork Network { get; }
    public ResidualVectorQuantizer Quantizer { get; }
    public abstract string Kind { get; }
    public abstract bool Stepwise { get; }
    public nn.Module Module => Network;
    public TokenLayout Layout => Network.Layout;
    public void SetLatentScale(float scale) => Network.SetLatentScale(scale);

    public virtual string MeasureScales(ResidualVectorQuantizer quantizer, Tensor sample)
    {
        float value = LatentScaleBuffer.Measure(quantizer, sample);
        SetLatentScale(value);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"latent scale {value:0.###}");
    }

    public abstract LossBreakdown Loss(TokenBatch tokens, Condition condition, Generator? generator);

    public SampleResult Sample(SampleRequest request, Generator generator) => InEvalMode(() => RunSampler(request, generator));

    /// <summary>Runs this kind's sampler (called in eval mode).</summary>
    protected abstract SampleResult RunSampler(SampleRequest request, Generator generator);

    /// <summary>Runs <paramref name="work"/> with the network in eval mode, then restores its mode.</summary>
    protected T InEvalMode<T>(Func<T> work)
    {
        bool wasTraining = Network.training;
        Network.eval();
        try { return work(); }
        finally { Network.train(wasTraining); }
    }
}
