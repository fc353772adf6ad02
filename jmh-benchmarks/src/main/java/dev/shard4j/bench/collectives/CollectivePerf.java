package dev.shard4j.bench.collectives;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * A command-line collective benchmark that mirrors nccl-tests ({@code all_reduce_perf} and friends): the same
 * {@code -b/-e/-f/-i} size sweep in bytes, {@code -n} timed and {@code -w} warm-up iterations, {@code -o} reduce op,
 * {@code -d} type, {@code -r} root, {@code -c} check, {@code -a} time aggregation over ranks, {@code -I}
 * per-iteration statistics (i_min, i_max, i_p99, i_cv%, iteration time = max over ranks), {@code -g} ranks,
 * {@code -J} JSON file, and the same table: per size, an out-of-place and an in-place group of time (us), algbw,
 * busbw (nccl-tests' factors) and #wrong (from {@link Verifiable} inputs). The collective is the first argument
 * (nccl-tests chooses it by binary name): {@code all_reduce}, {@code all_gather}, {@code reduce_scatter},
 * {@code broadcast}, {@code reduce}, {@code all_to_all}, a comma-separated list, or {@code all}.
 *
 * <pre>
 * java -cp jmh-benchmarks/target/benchmarks.jar dev.shard4j.bench.collectives.CollectivePerf all_reduce \
 *     -b 8 -e 256M -f 4 -g 4 -n 20 -w 5 --backend local -J all_reduce.json
 * </pre>
 *
 * <p>Every rank is a thread of this JVM with its own communicator from {@code --backend}; each rank's CPU kernels
 * use {@code --kernel-threads} threads (default 1, since the ranks already occupy the cores). Each rank allocates
 * its buffers per size. Time per call is the wall time of {@code -n} back-to-back blocking calls after a barrier,
 * divided by {@code -n}, then aggregated over ranks like nccl-tests' {@code -a} (default: mean). The Communicator
 * API has no out-of-place broadcast or reduce and no in-place all-to-all; those cells are left blank (JSON null),
 * as nccl-tests does for forms it does not run. Exit status 1 when any element was wrong.
 */
@Command(name = "CollectivePerf", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Collective benchmark in the format of nccl-tests (time, algbw, busbw, #wrong per size).")
public final class CollectivePerf implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "COLLECTIVE",
      description = "all_reduce, all_gather, reduce_scatter, broadcast, reduce, all_to_all, a comma-separated list, "
          + "or all")
  String collectives;

  @Option(names = {"-b", "--minbytes"}, defaultValue = "32M", converter = ByteSize.class,
      description = "smallest size in bytes (K, M, G suffixes are powers of 1024); default ${DEFAULT-VALUE}")
  long minBytes;

  @Option(names = {"-e", "--maxbytes"}, defaultValue = "32M", converter = ByteSize.class,
      description = "largest size in bytes; default ${DEFAULT-VALUE}")
  long maxBytes;

  @Option(names = {"-i", "--stepbytes"}, defaultValue = "1M", converter = ByteSize.class,
      description = "size increment when -f is 1; default ${DEFAULT-VALUE}")
  long stepBytes;

  @Option(names = {"-f", "--stepfactor"}, defaultValue = "1", description = "size multiplier; default 1 (use -i)")
  long stepFactor;

  @Option(names = {"-n", "--iters"}, defaultValue = "20", description = "timed iterations per size; default 20")
  int iters;

  @Option(names = {"-w", "--warmup_iters"}, defaultValue = "1", description = "warm-up iterations; default 1")
  int warmup;

  @Option(names = {"-c", "--check"}, defaultValue = "1", description = "1: check results (#wrong), 0: skip")
  int check;

  @Option(names = {"-o", "--op"}, defaultValue = "sum",
      description = "reduce op as in nccl-tests: sum, prod, min, max, avg or all; default sum")
  String op;

  @Option(names = {"-d", "--datatype"}, defaultValue = "float",
      description = "float (fp32), bfloat16 (or bf16), or all; default float")
  String datatype;

  @Option(names = {"-r", "--root"}, defaultValue = "0", description = "root of broadcast and reduce; default 0")
  int root;

  @Option(names = {"-a", "--average"}, defaultValue = "1",
      description = "time over ranks: 0 rank 0, 1 mean, 2 min, 3 max; default 1")
  int average;

  @Option(names = {"-I", "--per_iter_timing"}, defaultValue = "0",
      description = "1: also time each iteration (max over ranks) and report i_min, i_max, i_p99, i_cv%%")
  int perIter;

  @Option(names = {"-g", "--ngpus"}, defaultValue = "2", description = "number of ranks; default 2")
  int ranks;

  @Option(names = "--backend", defaultValue = "local", description = "communicator backend: local or tcp; default local")
  String backend;

  @Option(names = "--tcp-shm", defaultValue = "1",
      description = "tcp backend: 1 lets ranks on this host use shared memory (default), 0 forces sockets")
  int tcpShm;

  @Option(names = "--kernel-threads", defaultValue = "1", description = "CPU kernel threads per rank; default 1")
  int kernelThreads;

  @Option(names = {"-T", "--timeout"}, defaultValue = "600", description = "seconds a rank waits for its peers")
  int timeoutSeconds;

  @Option(names = {"-J", "--output_file", "--json"}, description = "also write the results as JSON to this file")
  Path json;

  /** Runs the command line; exits with 0 when all results were right, 1 when some were wrong, 2 on bad usage. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new CollectivePerf()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    List<Collective> colls;
    List<DType> types;
    List<ReduceOp> ops;
    try {
      colls = parseCollectives(collectives);
      types = parseTypes(datatype);
      ops = parseOps(op);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage(), e);
    }
    validate(colls);
    List<Long> sizes = new ArrayList<>();
    for (long s = minBytes; s <= maxBytes; s = stepFactor > 1 ? s * stepFactor : s + stepBytes) {
      sizes.add(s);
    }
    PerfResult result = new PerfResult(configJson());
    PerfTable table = new PerfTable(System.out);
    long errors = 0;
    for (Collective coll : colls) {
      String program = coll.label + "_perf (shard4j " + label() + ")";
      table.runHeader(program, ranks, minBytes, maxBytes, stepFactor > 1 ? stepFactor : stepBytes, stepFactor > 1,
          warmup, iters, check != 0);
      table.devices(ranks, ProcessHandle.current().pid(), hostName(), label() + " backend, rank thread");
      table.columnHeader(perIter != 0);
      for (DType dt : types) {
        for (ReduceOp rop : coll.reduces ? ops : List.of(ReduceOp.SUM)) {
          PerfResult.Test t = runTest(coll, dt, rop, sizes, table);
          result.add(t);
          errors += t.errors();
        }
      }
      long collErrors = 0;
      double bw = 0;
      int n = 0;
      for (PerfResult.Test t : testsOf(result, coll)) {
        collErrors += t.errors();
        bw += t.avgBusBw() * t.lines().size();
        n += t.lines().size();
      }
      table.footer(collErrors, n == 0 ? 0 : bw / n, program);
    }
    if (json != null) {
      Files.writeString(json, result.toJson(), StandardCharsets.UTF_8);
    }
    return errors > 0 ? 1 : 0;
  }

  private List<PerfResult.Test> testsOf(PerfResult r, Collective c) {
    return r.tests(c.label);
  }

  private void validate(List<Collective> colls) {
    if (ranks < 1) {
      throw new CommandLine.ParameterException(new CommandLine(this), "-g: ranks must be >= 1, got " + ranks);
    }
    if (minBytes < 0 || maxBytes < minBytes) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "invalid sizes for -b and -e: " + minBytes + " > " + maxBytes);
    }
    if (stepFactor <= 1 && stepBytes <= 0) {
      throw new CommandLine.ParameterException(new CommandLine(this), "-i must be > 0 when -f is 1");
    }
    if (stepFactor > 1 && minBytes == 0) {
      throw new CommandLine.ParameterException(new CommandLine(this), "-b must be > 0 when -f > 1");
    }
    if (iters < 1 || warmup < 0 || kernelThreads < 1 || timeoutSeconds < 1 || average < 0 || average > 3) {
      throw new CommandLine.ParameterException(new CommandLine(this), "need -n >= 1, -w >= 0, --kernel-threads >= 1, "
          + "-T >= 1, -a in 0..3; got -n " + iters + " -w " + warmup + " --kernel-threads " + kernelThreads + " -T "
          + timeoutSeconds + " -a " + average);
    }
    if (root < 0 || root >= ranks) {
      boolean rooted = colls.stream().anyMatch(c -> c.rooted);
      if (rooted) {
        throw new CommandLine.ParameterException(new CommandLine(this),
            "-r: root " + root + " is out of range [0, " + ranks + ")");
      }
    }
  }

  /** Runs one table (collective, dtype, op) over all sizes on {@code ranks} rank threads; prints as it goes. */
  private PerfResult.Test runTest(Collective coll, DType dt, ReduceOp rop, List<Long> sizes, PerfTable table)
      throws Exception {
    int p = ranks;
    boolean checkable = check != 0 && (!coll.reduces || Verifiable.exact(rop, dt, p));
    // Per size and form: each rank's time and wrong count, written before a barrier and read by rank 0 after it.
    double[][] times = new double[2][p];
    double[][][] iterTimes = new double[2][p][];
    long[][] wrong = new long[2][p];
    List<PerfResult.Line> lines = new ArrayList<>();
    try (PerfBackend be = PerfBackend.open(backend, p, Duration.ofSeconds(timeoutSeconds), tcpShm != 0)) {
      RankThreads.run(p, rank -> {
        CpuRuntime.setThreads(kernelThreads);
        Communicator c = be.communicator(rank);
        try {
          for (long bytes : sizes) {
            SizeRun run = new SizeRun(c, coll, dt, rop, root, bytes, checkable, perIter != 0);
            if (coll.outOfPlace) {
              times[0][rank] = run.outOfPlace(warmup, iters);
              wrong[0][rank] = run.wrongOutOfPlace;
              iterTimes[0][rank] = run.iterSec[0];
            }
            if (coll.inPlace) {
              times[1][rank] = run.inPlace(warmup, iters);
              wrong[1][rank] = run.wrongInPlace;
              iterTimes[1][rank] = run.iterSec[1];
            }
            c.barrier();
            if (rank == 0) {
              PerfResult.Line l = line(coll, dt, rop, bytes, times, iterTimes, wrong, checkable);
              table.line(l, perIter != 0);
              lines.add(l);
            }
            // The next writes to times/wrong follow collectives that rank 0 joins only after reading them.
          }
        } catch (Throwable e) {
          c.abort(); // the other ranks fail promptly instead of waiting for the timeout
          throw e;
        } finally {
          c.close();
        }
      });
    }
    long errors = 0;
    double bw = 0;
    int cells = 0;
    for (PerfResult.Line l : lines) {
      for (PerfResult.Cell cell : new PerfResult.Cell[] {l.outOfPlace(), l.inPlace()}) {
        if (cell != null) {
          errors += Math.max(0, cell.wrong());
          bw += cell.busBw();
          cells++;
        }
      }
    }
    return new PerfResult.Test(coll.label, typeName(dt), coll.reduces ? opName(rop) : "none", lines, errors,
        cells == 0 ? 0 : bw / cells);
  }

  private PerfResult.Line line(Collective coll, DType dt, ReduceOp rop, long bytes, double[][] times,
      double[][][] iterTimes, long[][] wrong, boolean checkable) {
    int p = ranks;
    int es = dt.byteSize();
    long param = coll.paramCount(bytes / es, es, p);
    long shown = Math.max(coll.sendCount(param, p), coll.recvCount(param, p)) * es;
    PerfResult.Cell[] cells = new PerfResult.Cell[2];
    for (int form = 0; form < 2; form++) {
      if (form == 0 ? !coll.outOfPlace : !coll.inPlace) {
        continue;
      }
      double sec = aggregate(times[form]);
      double algBw = coll.algBytes(param, es, p) / 1.0e9 / sec;
      long w = checkable ? Arrays.stream(wrong[form]).sum() : -1;
      PerfResult.IterStats stats = null;
      if (perIter != 0) {
        double[] perIteration = new double[iters];
        for (int i = 0; i < iters; i++) {
          for (int r = 0; r < p; r++) {
            perIteration[i] = Math.max(perIteration[i], iterTimes[form][r][i] * 1e6);
          }
        }
        stats = PerfResult.IterStats.of(perIteration);
      }
      cells[form] = new PerfResult.Cell(sec * 1e6, algBw, algBw * coll.busFactor(p), w, stats);
    }
    return new PerfResult.Line(shown, param, typeName(dt), coll.reduces ? opName(rop) : "none",
        coll.rooted ? root : -1, cells[0], cells[1]);
  }

  private double aggregate(double[] t) {
    return switch (average) {
      case 0 -> t[0];
      case 2 -> Arrays.stream(t).min().orElse(0);
      case 3 -> Arrays.stream(t).max().orElse(0);
      default -> Arrays.stream(t).average().orElse(0);
    };
  }

  /** The backend as reported: {@code tcp} with shared memory, {@code tcp-sockets} with sockets forced. */
  private String label() {
    return backend.equals("tcp") && tcpShm == 0 ? "tcp-sockets" : backend;
  }

  private String configJson() {
    return String.format(Locale.ROOT, "{\"program\": \"CollectivePerf\", \"backend\": %s, \"nthreads\": 1, "
        + "\"ngpus\": %d, \"kernel_threads\": %d, \"minimum_bytes\": %d, \"maximum_bytes\": %d, %s, "
        + "\"warmup_iters\": %d, \"iterations\": %d, \"aggregated_iterations\": 1, \"validation\": %d, "
        + "\"average\": %d, \"java\": %s}", PerfResult.str(label()), ranks, kernelThreads, minBytes, maxBytes,
        stepFactor > 1 ? "\"step_factor\": " + stepFactor : "\"step_bytes\": " + stepBytes, warmup, iters, check,
        average, PerfResult.str(System.getProperty("java.version")));
  }

  static String typeName(DType dt) {
    return dt == DType.BF16 ? "bfloat16" : "float";
  }

  static String opName(ReduceOp op) {
    return op.name().toLowerCase(Locale.ROOT);
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }

  static List<Collective> parseCollectives(String s) {
    if (s.equals("all")) {
      return List.of(Collective.values());
    }
    List<Collective> out = new ArrayList<>();
    for (String part : s.split(",")) {
      out.add(Collective.parse(part.trim()));
    }
    return out;
  }

  static List<DType> parseTypes(String s) {
    return switch (s) {
      case "float", "f32", "float32" -> List.of(DType.F32);
      case "bfloat16", "bf16" -> List.of(DType.BF16);
      case "all" -> List.of(DType.F32, DType.BF16);
      default -> throw new IllegalArgumentException("-d: unknown datatype '" + s + "'; expected float, bfloat16 "
          + "(bf16) or all");
    };
  }

  static List<ReduceOp> parseOps(String s) {
    if (s.equals("all")) {
      return List.of(ReduceOp.SUM, ReduceOp.PROD, ReduceOp.MAX, ReduceOp.MIN, ReduceOp.AVG);
    }
    for (ReduceOp o : ReduceOp.values()) {
      if (o.name().equalsIgnoreCase(s)) {
        return List.of(o);
      }
    }
    throw new IllegalArgumentException("-o: unknown reduce op '" + s + "'; -o is the reduce op as in nccl-tests (sum, "
        + "prod, min, max, avg, all); name the collective as the first argument, e.g. CollectivePerf all_reduce -g 4");
  }

  /** picocli converter for nccl-tests' sizes: a number with an optional K, M or G suffix (powers of 1024). */
  static final class ByteSize implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String v) {
      String s = v.trim().toUpperCase(Locale.ROOT);
      long mul = 1;
      if (s.endsWith("K") || s.endsWith("M") || s.endsWith("G")) {
        mul = switch (s.charAt(s.length() - 1)) {
          case 'K' -> 1L << 10;
          case 'M' -> 1L << 20;
          default -> 1L << 30;
        };
        s = s.substring(0, s.length() - 1);
      }
      try {
        return Math.multiplyExact(Long.parseLong(s), mul);
      } catch (NumberFormatException | ArithmeticException e) {
        throw new CommandLine.TypeConversionException("invalid size '" + v + "': expected bytes, e.g. 8, 64K, 256M");
      }
    }
  }

  /** One rank's buffers and measurements for one size; owns its tensors until {@link #close}. */
  private static final class SizeRun {
    private final Communicator c;
    private final Collective coll;
    private final DType dt;
    private final ReduceOp op;
    private final int root;
    private final long param;
    private final long sendN;
    private final long recvN;
    private final boolean checkable;
    private final boolean perIter;
    /** With -I 1: seconds of each timed call, [0] out-of-place, [1] in-place; else null. */
    final double[][] iterSec = new double[2][];
    long wrongOutOfPlace = -1;
    long wrongInPlace = -1;

    SizeRun(Communicator c, Collective coll, DType dt, ReduceOp op, int root, long bytes, boolean checkable,
        boolean perIter) {
      this.perIter = perIter;
      this.c = c;
      this.coll = coll;
      this.dt = dt;
      this.op = op;
      this.root = root;
      this.checkable = checkable;
      int es = dt.byteSize();
      this.param = coll.paramCount(bytes / es, es, c.size());
      this.sendN = coll.sendCount(param, c.size());
      this.recvN = coll.recvCount(param, c.size());
    }

    /** Mean seconds per out-of-place call on this rank; then, if checking, one more call on fresh inputs. */
    double outOfPlace(int warmup, int iters) {
      try (Tensor send = Tensor.empty(Shape.of(sendN), dt, Device.CPU);
          Tensor recv = Tensor.empty(Shape.of(recvN), dt, Device.CPU)) {
        Verifiable.fill(send, op, c.rank(), c.size(), 0);
        Verifiable.fill(recv, i -> 0f);
        for (int i = 0; i < warmup; i++) {
          coll.runOutOfPlace(c, send, recv, op);
        }
        c.barrier();
        double[] each = perIter ? new double[iters] : null;
        long t0 = System.nanoTime();
        long prev = t0;
        for (int i = 0; i < iters; i++) {
          coll.runOutOfPlace(c, send, recv, op);
          if (each != null) {
            long now = System.nanoTime();
            each[i] = (now - prev) / 1e9;
            prev = now;
          }
        }
        double sec = (System.nanoTime() - t0) / 1e9 / iters;
        iterSec[0] = each;
        if (checkable) {
          Verifiable.fill(recv, i -> Float.NaN);
          coll.runOutOfPlace(c, send, recv, op);
          wrongOutOfPlace = Verifiable.countWrong(recv, expected());
        }
        return sec;
      }
    }

    /** Mean seconds per in-place call on this rank; then, if checking, one more call on fresh inputs. */
    double inPlace(int warmup, int iters) {
      long n = Math.max(sendN, recvN);
      try (Tensor buf = Tensor.empty(Shape.of(n), dt, Device.CPU);
          Collective.InPlaceView view = new Collective.InPlaceView(coll, buf, param, c.rank())) {
        fillInPlace(buf, view);
        for (int i = 0; i < warmup; i++) {
          coll.runInPlace(c, buf, view, op, root);
        }
        c.barrier();
        double[] each = perIter ? new double[iters] : null;
        long t0 = System.nanoTime();
        long prev = t0;
        for (int i = 0; i < iters; i++) {
          coll.runInPlace(c, buf, view, op, root);
          if (each != null) {
            long now = System.nanoTime();
            each[i] = (now - prev) / 1e9;
            prev = now;
          }
        }
        double sec = (System.nanoTime() - t0) / 1e9 / iters;
        iterSec[1] = each;
        if (checkable) {
          fillInPlace(buf, view);
          coll.runInPlace(c, buf, view, op, root);
          wrongInPlace = Verifiable.countWrong(coll == Collective.REDUCE_SCATTER ? view.chunk : buf, expected());
        }
        return sec;
      }
    }

    private void fillInPlace(Tensor buf, Collective.InPlaceView view) {
      if (coll == Collective.ALL_GATHER) {
        Verifiable.fill(buf, i -> Float.NaN);
        Verifiable.fill(view.chunk, op, c.rank(), c.size(), 0);
      } else {
        Verifiable.fill(buf, op, c.rank(), c.size(), 0);
      }
    }

    /** Element i of this rank's output buffer after the collective. */
    private Verifiable.Expected expected() {
      int p = c.size();
      int r = c.rank();
      return switch (coll) {
        case ALL_REDUCE -> i -> Verifiable.reduced(op, dt, p, i);
        case ALL_GATHER -> i -> Verifiable.value(op, (int) (i / param), p, i % param);
        case REDUCE_SCATTER -> i -> Verifiable.reduced(op, dt, p, r * param + i);
        case BROADCAST -> i -> Verifiable.value(op, root, p, i);
        case REDUCE -> r == root ? i -> Verifiable.reduced(op, dt, p, i) : i -> Verifiable.value(op, r, p, i);
        case ALL_TO_ALL -> i -> Verifiable.value(op, (int) (i / param), p, r * param + i % param);
      };
    }
  }
}
