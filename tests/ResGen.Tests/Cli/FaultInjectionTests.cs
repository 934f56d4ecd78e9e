using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using ResGen.Data;

namespace ResGen.Tests.Cli;

/// <summary>
/// Nothing is lost when training is killed: a tiny `resgen train` run in a child process is killed
/// with SIGKILL at random moments (log lines, steps, checkpoint writes), interrupted once with SIGINT,
/// resumed after each, and must end with the same bytes as an uninterrupted run, no temporary file
/// left, and one metrics record per logged step. RESGEN_FAULT_KILLS sets the number of kills (default 6).
/// </summary>
[Collection(TorchCollection.Name)]
public sealed class FaultInjectionTests
{
    [DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int sig);
    const int SigInt = 2, SigTerm = 15;

    /// <summary>Whether this process ignores SIGINT (bit 2 of SigIgn in /proc/self/status).</summary>
    static bool SigIntIgnored()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line[7..].Trim(), 16) & (1UL << (SigInt - 1))) != 0;
    }

    static string RepoRoot() => Repo.Root();

    /// <summary>256 random 7×7×8 token grids over K = 256 (the shipped tokenizer's layout).</summary>
    static void WriteTokens(string path)
    {
        var rng = new Random(7);
        var tokens = new ushort[256 * 49 * 8];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = (ushort)rng.Next(256);
        var labels = Enumerable.Range(0, 256).Select(i => i % 10).ToArray();
        TokenCache.Write(path, new TokenCache(tokens, labels, 7, 7, 8, 256, 10, "{}"));
    }

    sealed class Child(Process process)
    {
        readonly List<string> _out = [];
        readonly List<string> _err = [];
        readonly SemaphoreSlim _lines = new(0);
        public Process Process => process;
        public string Out { get { lock (_out) return string.Join('\n', _out); } }
        public string Err { get { lock (_err) return string.Join('\n', _err); } }

        public static Child Start(IEnumerable<string> args)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ResGen.Cli.dll"));
            foreach (var a in args) psi.ArgumentList.Add(a);
            psi.Environment["OMP_WAIT_POLICY"] = "passive";
            var child = new Child(Process.Start(psi)!);
            child.Process.OutputDataReceived += (_, e) => { if (e.Data is null) return; lock (child._out) child._out.Add(e.Data); child._lines.Release(); };
            child.Process.ErrorDataReceived += (_, e) => { if (e.Data is null) return; lock (child._err) child._err.Add(e.Data); };
            child.Process.BeginOutputReadLine();
            child.Process.BeginErrorReadLine();
            return child;
        }

        /// <summary>Waits for a training log line ("step N/M ..."); false when the process ended first.</summary>
        public bool WaitForStepLine(TimeSpan timeout)
        {
            var end = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < end)
            {
                lock (_out) if (_out.Any(l => l.StartsWith("step ", StringComparison.Ordinal))) return true;
                if (Process.HasExited) return false;
                _lines.Wait(50);
            }
            throw new TimeoutException("no training log line in " + timeout + "\n" + Out + "\n" + Err);
        }

        public int Finish()
        {
            if (!Process.WaitForExit(TimeSpan.FromMinutes(3))) { Process.Kill(); throw new TimeoutException("child did not finish\n" + Out + "\n" + Err); }
            Process.WaitForExit();
            return Process.ExitCode;
        }
    }

    [Fact]
    public void KilledAndInterruptedTrainingEndsWithTheUninterruptedWeights()
    {
        string root = RepoRoot();
        int kills = int.TryParse(Environment.GetEnvironmentVariable("RESGEN_FAULT_KILLS"), out var k) ? k : 6;
        using var dir = new TempDirectory();
        string tokens = dir.File("tokens.safetensors");
        WriteTokens(tokens);
        string[] Args(string outDir, bool resume) =>
        [
            "train", "--tokens", tokens, "--tokenizer", Path.Combine(root, "models/tokenizer"), "--config", Path.Combine(root, "configs/resgen-tiny.json"),
            "--set", "train.steps=300", "--set", "train.checkpoint_every=1", "--set", "train.log_every=5", "--set", "train.batch_size=16",
            "--out", outDir, "--threads", "1", .. (resume ? new[] { "--resume" } : []),
        ];

        string reference = dir.File("reference");
        var clean = Child.Start(Args(reference, false));
        Assert.True(clean.Finish() == 0, clean.Out + "\n" + clean.Err);

        string run = dir.File("run");
        // first a graceful stop: SIGINT (SIGTERM where this process was started with SIGINT ignored, as
        // background jobs of a shell are: children inherit that, and the runtime then cannot catch it)
        int signal = SigIntIgnored() ? SigTerm : SigInt;
        var first = Child.Start(Args(run, false));
        Assert.True(first.WaitForStepLine(TimeSpan.FromMinutes(2)), "the run ended before it could be interrupted:\n" + first.Out + "\n" + first.Err);
        Assert.Equal(0, kill(first.Process.Id, signal));
        int code = first.Finish();
        Assert.True(code == 130, $"signal {signal}: exit {code}\n{first.Out}\n{first.Err}");
        Assert.Contains("--resume", first.Err);
        Assert.DoesNotContain("   at ", first.Err);

        // then SIGKILL at random moments once training runs: steps, log writes and checkpoint writes (every step)
        var rng = new Random(11);
        int killed = 0, segments = 0;
        while (true)
        {
            Assert.True(++segments < kills + 20, "the run made no progress between kills");
            var child = Child.Start(Args(run, resume: true));
            if (killed < kills)
            {
                if (child.WaitForStepLine(TimeSpan.FromMinutes(2))) Thread.Sleep(rng.Next(0, 120));
                if (!child.Process.HasExited) { child.Process.Kill(); killed++; }
                child.Process.WaitForExit();
                if (child.Process.ExitCode == 0) break;   // finished before the kill
                continue;
            }
            Assert.True(child.Finish() == 0, child.Out + "\n" + child.Err);
            break;
        }

        Assert.True(killed >= Math.Min(kills, 1), "no kill landed before the run finished");
        foreach (var name in new[] { "model.safetensors", "last.safetensors", "last.train.safetensors" })
            Assert.True(File.ReadAllBytes(Path.Combine(reference, name)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(run, name))),
                        $"{name} differs from the uninterrupted run's after {killed} kills");
        // no temporary file, journal or owner note left (the empty lock file stays by design)
        Assert.DoesNotContain(Directory.GetFiles(run, ".*"), f => Path.GetFileName(f) != ResGen.IO.RunFolderLock.LockName);

        var steps = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt64()).ToList();
        var referenceSteps = File.ReadAllLines(Path.Combine(reference, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt64()).ToList();
        Assert.Equal(steps.Distinct().Count(), steps.Count);                           // no record twice after resuming
        Assert.True(steps.SequenceEqual(steps.Order()), "metrics records out of order: " + string.Join(",", steps));
        Assert.Equal(referenceSteps, steps);
    }
}
