using ResGen.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Conditioning;

/// <summary>
/// The condition encoder a generator network owns, from its config: a class table (adaLN only) or a
/// text encoder (adaLN vector plus a context to cross-attend to). Networks keep the one they get in a
/// field named after it (class_emb or text_enc), so class-conditioned checkpoints keep their keys.
/// </summary>
public static class ConditionEncoders
{
    /// <summary>(class table, null) or (null, text encoder) for the model's condition kind.</summary>
    public static (ClassEmbedding? Classes, TextEncoder? Text) Build(TransformerModelConfig model, string kind, bool textSupported = true)
    {
        if (model.Condition == ConditionKind.Text)
        {
            if (!textSupported)
                throw new UserErrorException($"a {kind} model cannot be conditioned on text; text-to-speech models are resgen and rq-transformer.");
            if (model.Text.Vocabulary < 2)
                throw new UserErrorException("the model's phoneme vocabulary is not set: train it on speech tokens (they set model.text.vocabulary) or set it in the config.");
            return (null, new TextEncoder(model.Text, model.Width, model.Heads, model.MlpRatio, model.LabelDropout));
        }
        return (new ClassEmbedding(model.Classes, model.Width, model.LabelDropout), null);
    }

    /// <summary>The condition through whichever encoder the network has.</summary>
    public static EncodedCondition Encode(ClassEmbedding? classes, TextEncoder? text, Condition condition, Generator? generator)
        => text is not null ? text.Encode(condition, generator) : ((IConditionEncoder)classes!).Encode(condition, generator);

    /// <summary>
    /// For a text model: the progress (j + ½)/length of positions first..first+n−1 of sequences with the
    /// given lengths [B] (null: all <paramref name="total"/> positions real), [B, n]; null for a class model.
    /// </summary>
    public static Tensor? Fractions(TextEncoder? text, Tensor? lengths, long batch, long total, long first, long n, Device device)
        => text is null ? null : Nn.ProgressEmbedding.Fractions(lengths ?? torch.full(batch, total, ScalarType.Int64, device: device), first, n);
}
