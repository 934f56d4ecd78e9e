using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Training;

/// <summary>
/// Notices the first step whose loss or gradient norm is NaN or infinite without waiting on the
/// device every step: the step, loss and norm of the first such step stay on the device and are read
/// only where the loop reads anyway (a log line, a checkpoint). A diverged run then stops with one
/// sentence instead of training on and shipping a model whose every weight is NaN.
/// </summary>
internal sealed class NonFiniteWatch : IDisposable
{
    // [step counter, first bad step (0: none), its loss, its gradient norm], float64 on the device
    readonly Tensor state;

    public NonFiniteWatch(long startStep, Device device)
    {
        state = torch.tensor(new double[] { startStep, 0, 0, 0 }, device: device);
    }

    /// <summary>Counts one step and keeps its loss and gradient norm if it is the first non-finite one (no host read).</summary>
    public void Observe(Tensor loss, Tensor gradNorm)
    {
        using var scope = torch.NewDisposeScope();
        using var _ = torch.no_grad();
        state[0].add_(1);
        var values = torch.stack([loss.detach().to(ScalarType.Float64).reshape(), gradNorm.detach().to(ScalarType.Float64).reshape()]);
        var firstBad = torch.isfinite(values).all().logical_not().logical_and(state[1].eq(0));
        var update = torch.cat([state[0].reshape(1), values]);
        state[1..].copy_(torch.where(firstBad, update, state[1..]));
    }

    /// <summary>
    /// Throws <see cref="UserErrorException"/> naming the first non-finite step and its values, and
    /// what was kept (<paramref name="kept"/>); reads the device.
    /// </summary>
    public void Check(string kept, double lr)
    {
        double[] host;
        using (var onHost = state.cpu()) host = onHost.data<double>().ToArray();
        if (host[1] == 0) return;
        throw new UserErrorException(string.Create(CultureInfo.InvariantCulture,
            $"training went non-finite at step {(long)host[1]} (loss {host[2]:G4}, gradient norm {host[3]:G4}) and stopped; {kept}; no model of the diverged weights was written; lower train.lr (now {lr:G3}) or train.weight_decay, or set train.grad_clip."));
    }

    /// <summary>
    /// Throws <see cref="UserErrorException"/> when a floating-point tensor of <paramref name="tensors"/>
    /// (a module's state or the EMA's) holds NaN or infinity: one host read for all of them, the
    /// tensor named only then.
    /// </summary>
    public static void CheckWeights(IEnumerable<KeyValuePair<string, Tensor>> tensors, long step, string kept)
    {
        using var scope = torch.NewDisposeScope();
        var floating = tensors.Where(kv => kv.Value.is_floating_point()).ToList();
        if (floating.Count == 0) return;
        var finite = torch.stack([.. floating.Select(kv => torch.isfinite(kv.Value).all())]);
        if (finite.all().item<bool>()) return;
        string key = floating[(int)finite.logical_not().nonzero()[0, 0].item<long>()].Key;
        throw new UserErrorException($"the weights went non-finite by step {step} ('{key}' holds NaN or infinity) and training stopped; {kept}; no model of the diverged weights was written; lower train.lr or train.weight_decay, or set train.grad_clip.");
    }

    public void Dispose() => state.Dispose();
}
