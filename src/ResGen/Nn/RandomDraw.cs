using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Nn;

/// <summary>
/// Random draws for any device from a seeded generator. TorchSharp 0.107 makes every <see cref="Generator"/>
/// on the CPU (its native constructor ignores the device it is given), and libtorch refuses a CPU generator
/// for a draw on a GPU ("Expected a 'cuda' device type for generator but found 'cpu'"). So a draw for another
/// device is made on the CPU from the generator and copied there without waiting for the device (the copy
/// is queued behind the work already queued): a seed gives the same numbers on every device. On the CPU the
/// calls are the plain libtorch ones, so CPU results do not change. Without a generator, the device's
/// default generator draws in place.
/// </summary>
public static class RandomDraw
{
    static bool Direct(Generator? generator, Device device) => generator is null || device.type == DeviceType.CPU;

    static Tensor Moved(Tensor cpu, Device device) => cpu.to(device, non_blocking: true);

    /// <summary>Uniform numbers in [0, 1).</summary>
    public static Tensor Rand(long[] shape, Generator? generator, Device device, ScalarType dtype = ScalarType.Float32)
        => Direct(generator, device) ? torch.rand(shape, dtype: dtype, device: device, generator: generator)
                                     : Moved(torch.rand(shape, dtype: dtype, generator: generator), device);

    /// <summary>Standard normal numbers.</summary>
    public static Tensor Randn(long[] shape, Generator? generator, Device device, ScalarType dtype = ScalarType.Float32)
        => Direct(generator, device) ? torch.randn(shape, dtype: dtype, device: device, generator: generator)
                                     : Moved(torch.randn(shape, dtype: dtype, generator: generator), device);

    /// <summary>Integers in [low, high).</summary>
    public static Tensor RandInt(long low, long high, long[] shape, Generator? generator, Device device)
        => Direct(generator, device) ? torch.randint(low, high, shape, device: device, generator: generator)
                                     : Moved(torch.randint(low, high, shape, generator: generator), device);

    /// <summary>
    /// <paramref name="samples"/> indices per row of <paramref name="weights"/> ([N, M] or [M], non-negative,
    /// unnormalised): [N, samples] or [samples]. On the CPU this is libtorch's multinomial; on another device the inverse
    /// of each row's cumulative distribution at uniform numbers from the generator (with replacement, so
    /// more than one sample needs <paramref name="replacement"/>), and the draw never reads the device.
    /// </summary>
    public static Tensor Multinomial(Tensor weights, long samples, Generator? generator, bool replacement = false)
    {
        if (Direct(generator, weights.device)) return torch.multinomial(weights, samples, replacement: replacement, generator: generator);
        if (samples > 1 && !replacement) throw new ArgumentException("draws without replacement take one sample per row off the CPU", nameof(replacement));
        return InverseCdf(weights, Rand([weights.dim() == 1 ? 1 : weights.shape[0], samples], generator, weights.device, ScalarType.Float64));
    }

    /// <summary>
    /// The index each uniform number in [0, 1) picks from its row of <paramref name="weights"/> ([N, M] or
    /// [M], non-negative) by the inverse of the row's cumulative distribution: [N, S] or [S] for uniforms
    /// [N, S] (a zero weight is never picked).
    /// </summary>
    public static Tensor InverseCdf(Tensor weights, Tensor uniform)
    {
        using var scope = torch.NewDisposeScope();
        var rows = weights.dim() == 1 ? weights.unsqueeze(0) : weights;
        var cdf = rows.to(ScalarType.Float64).cumsum(-1);
        var index = torch.searchsorted(cdf, uniform.to(ScalarType.Float64) * cdf[.., ^1..], right: true).clamp_max(rows.shape[1] - 1);
        return (weights.dim() == 1 ? index.squeeze(0) : index).MoveToOuterDisposeScope();
    }
}
