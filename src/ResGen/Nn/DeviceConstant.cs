using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Nn;

/// <summary>
/// A constant tensor a module computes with, on whatever device its inputs are on. TorchSharp 0.107's
/// `Module.to(device)` moves parameters and persistent buffers but neither non-persistent buffers nor
/// plain tensor fields, so a constant kept as one stays on the CPU and the module's first forward on a GPU
/// fails. This keeps the value on the CPU and one copy on the device it was last asked for.
/// </summary>
public sealed class DeviceConstant
{
    readonly Tensor _cpu;
    Tensor? _copy;

    public DeviceConstant(Tensor value) => _cpu = value.detach().cpu().DetachFromDisposeScope();   // host: once, when the module is built

    /// <summary>The value on <paramref name="device"/> (the CPU original, or a copy made once per device change).</summary>
    public Tensor On(Device device)
    {
        if (device.type == DeviceType.CPU) return _cpu;
        if (_copy is null || _copy.device.type != device.type || _copy.device.index != device.index)
        {
            _copy?.Dispose();
            _copy = _cpu.to(device).DetachFromDisposeScope();
        }
        return _copy;
    }
}
