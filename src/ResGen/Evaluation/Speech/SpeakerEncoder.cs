using ResGen.Audio;
using ResGen.Config;
using ResGen.Tokens;
using ResGen.Tokens.Speech;
using ResGen.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ResGen.Evaluation.Speech;

/// <summary>The speaker encoder's shape and training (JSON keys are snake_case).</summary>
public sealed record SpeakerEncoderConfig : IValidatable
{
    public MelConfig Mel { get; init; } = new();
    /// <summary>Channels of the 1-D convolutions over mel frames.</summary>
    [ValueRange(8, 65536)]
    public int Channels { get; init; } = 128;
    /// <summary>Convolution blocks (kernel 5; the dilation doubles each block).</summary>
    [ValueRange(1, 1024)]
    public int Layers { get; init; } = 4;
    /// <summary>Size of the speaker embedding (unit length).</summary>
    [ValueRange(2, 65536)]
    public int EmbeddingDim { get; init; } = 64;
    /// <summary>Training speakers (set from the corpus).</summary>
    [Derived("the corpus the encoder is trained on")]
    public int Speakers { get; init; }
    /// <summary>Additive-margin softmax: cosine scale and margin.</summary>
    [ValueRange(0, 1000, MinExclusive = true)]
    public float Scale { get; init; } = 15f;
    [ValueRange(0, 1, MaxExclusive = true)]
    public float Margin { get; init; } = 0.2f;
    /// <summary>Mel frames per training crop (2 s at 80 frames per second).</summary>
    [ValueRange(8, 1 << 20)]
    public int CropFrames { get; init; } = 160;
    public TrainSettings Train { get; init; } = new() { Steps = 3000, BatchSize = 32, Lr = 2e-3, WarmupSteps = 100, EmaDecay = 0, WeightDecay = 0 };

    public void Validate()
    {
        Mel.Validate();
        Train.Validate();
        Train.RefuseFlip("the speaker encoder");
        if (Channels < 8 || Layers < 1 || EmbeddingDim < 2) throw new UserErrorException($"speaker encoder shape must have channels ≥ 8, layers ≥ 1, embedding_dim ≥ 2; got {Channels}, {Layers}, {EmbeddingDim}.");
        if (Speakers is 1 or < 0) throw new UserErrorException($"speakers must be at least 2 (set from the corpus), got {Speakers}.");
        if (!(Scale > 0) || !(Margin is >= 0 and < 1)) throw new UserErrorException($"scale must be positive and margin in [0, 1), got {Scale} and {Margin}.");
        if (CropFrames < 8) throw new UserErrorException($"crop_frames must be at least 8, got {CropFrames}.");
    }
}

/// <summary>
/// A small speaker encoder for the speaker-similarity score of zero-shot TTS: dilated 1-D
/// convolutions over normalised log-mel frames (per-frame layer norm, so padding and length do not
/// leak in), mean and standard deviation pooled over the real frames, a linear map to a unit-length
/// embedding. Trained with an additive-margin softmax over the training speakers (CosFace), whose
/// class weights live here too so a checkpoint resumes; only the embedding is used afterwards.
/// </summary>
public sealed class SpeakerEncoder : nn.Module
{
    readonly ModuleList<Conv1d> convs = new();
    readonly ModuleList<FrameNorm> norms = new();
    readonly Linear proj;
    readonly Parameter classes;

    public SpeakerEncoder(SpeakerEncoderConfig config) : base("speaker_encoder")
    {
        Config = config;
        int inC = config.Mel.MelBins;
        for (int i = 0; i < config.Layers; i++)
        {
            int dilation = 1 << Math.Min(i, 3);
            convs.Add(Conv1d(inC, config.Channels, 5, padding: 2 * dilation, dilation: dilation));
            norms.Add(new FrameNorm(config.Channels));
            inC = config.Channels;
        }
        proj = Linear(2 * config.Channels, config.EmbeddingDim);
        classes = Parameter(torch.randn(Math.Max(2, config.Speakers), config.EmbeddingDim) * 0.1f);
        RegisterComponents();
    }

    public SpeakerEncoderConfig Config { get; }

    /// <summary>Log-mel [B, M, T] (+ frame lengths [B]) → unit-length embeddings [B, E].</summary>
    public Tensor Embed(Tensor logMel, Tensor? lengths = null)
    {
        using var scope = torch.NewDisposeScope();
        var x = MelSpectrogram.Normalize(logMel.to(ScalarType.Float32), Config.Mel);
        long t = x.shape[2];
        var mask = lengths is null ? torch.ones(x.shape[0], 1, t, device: x.device) : TokenBatch.ValidMask(lengths.to(x.device), t).unsqueeze(1).to(ScalarType.Float32);
        x = x * mask;
        for (int i = 0; i < convs.Count; i++)
        {
            var h = functional.relu(norms[i].forward(convs[i].forward(x))) * mask;
            x = i == 0 ? h : x + h;
        }
        var count = mask.sum(2).clamp_min(1);
        var mean = x.sum(2) / count;
        var variance = ((x - mean.unsqueeze(2)).square() * mask).sum(2) / count;
        var pooled = torch.cat([mean, (variance + 1e-5f).sqrt()], 1);
        return functional.normalize(proj.forward(pooled), dim: 1).MoveToOuterDisposeScope();
    }

    /// <summary>Additive-margin softmax loss of embeddings [B, E] against speaker ids [B], and the batch accuracy.</summary>
    public (Tensor Loss, Tensor Accuracy) Loss(Tensor embeddings, Tensor speakers)
    {
        var cos = embeddings.matmul(functional.normalize(classes, dim: 1).t());
        var onehot = functional.one_hot(speakers, cos.shape[1]).to(cos.dtype);
        var logits = Config.Scale * (cos - Config.Margin * onehot);
        var loss = functional.cross_entropy(logits, speakers);
        var accuracy = (cos.argmax(1) == speakers).to(ScalarType.Float32).mean();
        return (loss, accuracy);
    }
}

/// <summary>Training, loading and scoring of <see cref="SpeakerEncoder"/>.</summary>
public static class SpeakerEncoderTraining
{
    public const string Kind = "speaker-encoder";

    /// <summary>Trains on random crops of <paramref name="train"/> whose speakers are <paramref name="speakerOf"/> (0..S−1); evaluates the EER on <paramref name="test"/>.</summary>
    public static IReadOnlyList<Metric> Run(SpeakerEncoderConfig config, SpeakerEncoder encoder, IMelSource train, IReadOnlyList<int> speakerOf,
        IMelSource? test, IReadOnlyList<int>? testSpeakerOf, string runDirectory, bool resume, Device device, TextWriter? console = null,
        IProgress<TrainProgress>? progress = null, CancellationToken stop = default)
    {
        config.Validate();
        if (speakerOf.Count != train.Count) throw new ArgumentException("one speaker per training utterance");
        var crops = new MelCrops(train, config.Train.BatchSize, config.CropFrames, config.Train.Seed, Math.Log(config.Mel.LogFloor));
        var loop = new TrainingLoop<SpeakerEncoderConfig>(encoder, Kind, config, config.Train, runDirectory)
        {
            Device = device,
            Console = console,
            Progress = progress,
            Stop = stop,
            Loss = (step, _) =>
            {
                var (x, lengths) = crops.Batch(step, device);
                var ids = torch.tensor(crops.Utterances(step).Select(i => (long)speakerOf[(int)i]).ToArray(), device: device);
                var (loss, accuracy) = encoder.Loss(encoder.Embed(x, lengths), ids);
                return new LossBreakdown(loss, [("accuracy", accuracy)]);
            },
            Evaluate = test is null ? null : _ => [Metric.Percent("eer", SpeakerVerification.EqualErrorRate(encoder, test, testSpeakerOf!, device))],
        };
        return loop.Run(resume);
    }

    public static (SpeakerEncoder Encoder, SpeakerEncoderConfig Config) Load(string path, Device? device = null)
    {
        var config = Checkpoint.LoadConfig<SpeakerEncoderConfig>(path, Kind);
        var encoder = new SpeakerEncoder(config);
        Checkpoint.Load(path, encoder, Kind);
        if (device is not null && device.type != DeviceType.CPU) encoder.to(device);
        encoder.eval();
        return (encoder, config);
    }
}

/// <summary>Speaker verification with embeddings: cosine similarity and the equal error rate.</summary>
public static class SpeakerVerification
{
    /// <summary>Embeddings [N, E] of whole utterances (one at a time: no padding).</summary>
    public static Tensor EmbedAll(SpeakerEncoder encoder, IMelSource data, Device device)
    {
        bool wasTraining = encoder.training;
        encoder.eval();
        try
        {
            using var _ = torch.no_grad();
            var rows = new List<Tensor>();
            for (int i = 0; i < data.Count; i++)
            {
                using var scope = torch.NewDisposeScope();
                rows.Add(encoder.Embed(data.Get(i).unsqueeze(0).to(device)).cpu().DetachFromDisposeScope());
            }
            return torch.cat(rows);
        }
        finally { encoder.train(wasTraining); }
    }

    /// <summary>Embedding of one utterance's log-mel [M, T].</summary>
    public static Tensor Embed(SpeakerEncoder encoder, Tensor logMel)
    {
        using var _ = torch.no_grad();
        return encoder.Embed(logMel.unsqueeze(0))[0];
    }

    /// <summary>The equal error rate over all pairs of <paramref name="data"/>: same-speaker vs different-speaker cosine scores.</summary>
    public static double EqualErrorRate(SpeakerEncoder encoder, IMelSource data, IReadOnlyList<int> speakerOf, Device device)
    {
        using var scope = torch.NewDisposeScope();
        var e = EmbedAll(encoder, data, device);
        var scores = e.matmul(e.t()).data<float>().ToArray();
        int n = data.Count;
        var same = new List<double>();
        var different = new List<double>();
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
                (speakerOf[i] == speakerOf[j] ? same : different).Add(scores[(i * n) + j]);
        return EqualErrorRate(same, different);
    }

    /// <summary>The rate at the threshold where false acceptances equal false rejections (linear between the two closest thresholds).</summary>
    public static double EqualErrorRate(IReadOnlyList<double> sameScores, IReadOnlyList<double> differentScores)
    {
        if (sameScores.Count == 0 || differentScores.Count == 0) throw new ArgumentException("need same-speaker and different-speaker scores");
        var all = sameScores.Select(s => (Score: s, Same: true)).Concat(differentScores.Select(s => (Score: s, Same: false))).OrderBy(x => x.Score).ToList();
        // threshold after k scores: reject the k lowest
        int rejectedSame = 0, rejectedDifferent = 0;
        double bestGap = double.MaxValue, eer = 1;
        double prevFrr = 0, prevFar = 1;
        foreach (var (_, isSame) in all)
        {
            if (isSame) rejectedSame++; else rejectedDifferent++;
            double frr = (double)rejectedSame / sameScores.Count;
            double far = 1 - ((double)rejectedDifferent / differentScores.Count);
            if (frr >= far)
            {
                // crossing between the previous threshold and this one
                double d0 = prevFar - prevFrr, d1 = frr - far;
                double w = d0 + d1 > 0 ? d0 / (d0 + d1) : 0;
                return prevFrr + (w * (frr - prevFrr));
            }
            if (Math.Abs(frr - far) < bestGap) (bestGap, eer) = (Math.Abs(frr - far), (frr + far) / 2);
            (prevFrr, prevFar) = (frr, far);
        }
        return eer;
    }
}
