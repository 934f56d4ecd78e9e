using TorchSharp;
using static TorchSharp.torch;

namespace ResGen.Runtime;

/// <summary>Turns --device auto|cpu|cuda[:N] into a TorchSharp device.</summary>
public static class DeviceChoice
{
    public static Device Resolve(string? name)
    {
        var n = (name ?? "auto").Trim().ToLowerInvariant();
        if (n == "auto") return CudaAvailable() ? torch.CUDA : torch.CPU;
        if (n == "cpu") return torch.CPU;
        if (n == "cuda" || n.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!CudaAvailable())
                throw new UserErrorException("--device cuda was asked for, but no CUDA device is available to TorchSharp here (use --device cpu, or see `resgen doctor`).");
            return torch.device(n);
        }
        throw new UserErrorException($"unknown device '{name}'; use auto, cpu or cuda.");
    }

    /// <summary>True when TorchSharp can use a CUDA device (initialising its CUDA backend if present).</summary>
    public static bool CudaAvailable()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CUDA);
            return torch.cuda.is_available();
        }
        catch (Exception)
        {
            return false;
        }
    }
}
