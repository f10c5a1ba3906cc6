using System.Globalization;
using LoadGen;

// The load generator of the Placement benchmark (bench/placement.sh).
//
//   LoadGen setup|alloc-writes|contended-claims|reshaper --base URL [options]
//   LoadGen report --dir DIR
//
// --base: Placement's root (the peer: http://127.0.0.1:PORT, ours: http://127.0.0.1:PORT/placement).
// Options: --target peer|ours (a label), --clients C (16), --providers N (1000), --duration S (20),
// --warmup S (3), --claim-clients C (32), --claim-timeout S (120), --iterations R (100),
// --providers-file FILE (setup writes it, alloc-writes reads it), --run-id ID, --out FILE.json.
// Each workload prints one summary line and, with --out, writes its result as JSON; report reads DIR/<target>-
// <workload>.json and prints the comparison table in Markdown.

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("usage: LoadGen setup|alloc-writes|contended-claims|reshaper --base URL [options] | report --dir DIR");
    return 2;
}

Options o;
try { o = Options.Parse(args[1..]); }
catch (ArgumentException e)
{
    Console.Error.WriteLine($"loadgen: {e.Message}");
    return 2;
}

ThreadPool.SetMinThreads(Math.Max(64, o.Clients * 2), 64);

if (args[0] == "report")
{
    Console.Write(Report.Markdown(o.Dir ?? "."));
    return 0;
}

if (o.BaseUrl.Length == 0)
{
    Console.Error.WriteLine("loadgen: --base URL is required");
    return 2;
}

var w = new Workloads(o);
WorkloadResult result;
switch (args[0])
{
    case "setup": result = await w.Setup(); break;
    case "alloc-writes": result = await w.AllocWrites(); break;
    case "contended-claims": result = await w.ContendedClaims(); break;
    case "reshaper": result = await w.Reshaper(); break;
    default:
        Console.Error.WriteLine($"loadgen: unknown command {args[0]}");
        return 2;
}
result.Save(o.Out);
return 0;

namespace LoadGen
{
    public sealed class Options
    {
        public string BaseUrl { get; private set; } = "";
        public string Target { get; private set; } = "target";
        public int Clients { get; private set; } = 16;
        public int Providers { get; private set; } = 1000;
        public double Duration { get; private set; } = 20;
        public double Warmup { get; private set; } = 3;
        public int ClaimClients { get; private set; } = 32;
        public double ClaimTimeout { get; private set; } = 120;
        public int Iterations { get; private set; } = 100;
        public string? ProvidersFile { get; private set; }
        public string RunId { get; private set; } = DateTime.UtcNow.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        public string? Out { get; private set; }
        public string? Dir { get; private set; }

        public static Options Parse(string[] args)
        {
            var o = new Options();
            for (var i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                int Int() => int.TryParse(Value(), CultureInfo.InvariantCulture, out var v) && v > 0
                    ? v : throw new ArgumentException($"{args[i]} needs a positive integer");
                double Num() => double.TryParse(Value(), CultureInfo.InvariantCulture, out var v) && v >= 0
                    ? v : throw new ArgumentException($"{args[i]} needs a number");
                switch (args[i])
                {
                    case "--base": o.BaseUrl = Value().TrimEnd('/'); break;
                    case "--target": o.Target = Value(); break;
                    case "--clients": o.Clients = Int(); break;
                    case "--providers": o.Providers = Int(); break;
                    case "--duration": o.Duration = Num(); break;
                    case "--warmup": o.Warmup = Num(); break;
                    case "--claim-clients": o.ClaimClients = Int(); break;
                    case "--claim-timeout": o.ClaimTimeout = Num(); break;
                    case "--iterations": o.Iterations = Int(); break;
                    case "--providers-file": o.ProvidersFile = Value(); break;
                    case "--run-id": o.RunId = Value(); break;
                    case "--out": o.Out = Value(); break;
                    case "--dir": o.Dir = Value(); break;
                    default: throw new ArgumentException($"unknown option {args[i]}");
                }
            }
            return o;
        }
    }
}
