package dev.shard4j.autoshard.trace;

import dev.shard4j.autograd.Autograd;
import dev.shard4j.autograd.Parameter;
import dev.shard4j.autograd.RecordedOp;
import dev.shard4j.autograd.Variable;
import dev.shard4j.autoshard.DType;
import dev.shard4j.autoshard.Graph;
import dev.shard4j.autoshard.Op;
import dev.shard4j.autoshard.OpKind;
import dev.shard4j.autoshard.TensorInfo;
import dev.shard4j.layers.Gpt;
import dev.shard4j.layers.GptConfig;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import dev.shard4j.tensorparallel.TensorParallel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Traces a {@link Gpt} into the planner's {@link Graph}: runs one real forward of the model on a batch of
 * {@code batch} full-length sequences, walks the autograd graph from the loss to the leaves
 * ({@link Autograd#recordedOps}) and turns every recorded operation into an IR op, the way Alpa traces a jaxpr.
 *
 * <ul>
 *   <li>Kinds: {@code linear} is a MATMUL with its weight (and bias) as parameters, {@code layer_norm} a LAYERNORM,
 *       {@code causal_attention} an ATTENTION, {@code gelu} a GELU, {@code add} an ELEMENTWISE op,
 *       {@code embedding} and {@code vocab_parallel_embedding} an EMBEDDING, {@code vocab_parallel_cross_entropy}
 *       (or {@code cross_entropy}) the CROSS_ENTROPY. Layout operations ({@code reshape}, {@code permute}) are
 *       folded into their consumer (Alpa merges such trivial ops), and so are the head split and merge around
 *       attention's core, so an ATTENTION reads the packed (T, B, 3C) projection and writes the (T, B, C) its
 *       consumer reads; a {@code bias_add} after a linear (row-parallel layers add the bias after their reduction)
 *       is folded into that MATMUL as its bias parameter. Any other recorded operation is rejected by name.</li>
 *   <li>Shapes and dtypes are the recorded tensors' (activations sequence-major, weights (out, in)); the token,
 *       position and target ids, which are not variables, are graph inputs {@code tokens}, {@code positions} and
 *       {@code targets} of the (T, B) shape the lookups and the loss read; the one-element loss is a scalar.</li>
 *   <li>Parameters are named by {@link Parameter#name()}; a parameter used twice (the tied LM head reuses
 *       {@code wte.weight}) is one tensor of the graph, a parameter of both ops.</li>
 *   <li>Op names are module paths: a linear, layer norm or embedding is named by its weight's module
 *       ({@code blocks.0.attn.qkv}, {@code blocks.0.ln1}, {@code wte}), the linear on the model's LM head weight is
 *       {@code lm_head}; attention is {@code <attn>.core} and GELU {@code <mlp>.gelu} after the module of the linear
 *       feeding them; the sum of the two embeddings is {@code embed}, the residual additions of block N are
 *       {@code blocks.N.res1} and {@code blocks.N.res2}; the loss is {@code loss}. Every op's output tensor is
 *       {@code <op>.out}.</li>
 *   <li>Pipeline layer units: 0 = embeddings, N + 1 = {@code blocks.N}, layers + 1 = final norm, head and loss.</li>
 *   <li>Index letters as the rest of the planner reads them: s sequence, b batch, d model width, h attention
 *       (extent = number of heads, for the packed q/k/v projection and attention's input and output), f MLP hidden,
 *       v vocabulary; a position table's rows are s. Each op gets the sizes of all six letters.</li>
 *   <li>Forward FLOPs: a matmul 2 rows in out (plus rows out for its bias), attention 4 BH T^2 hd + 5 BH T^2, layer
 *       norm and GELU 8 per element, an embedding lookup and an add 1 per output element, the loss 5 per logit.</li>
 * </ul>
 *
 * <p>{@link dev.shard4j.autoshard.GptGraphBuilder} writes the same graph from a configuration, for models too big
 * to build; a test keeps the two equal. The tracer does not own the model; it runs the forward in its own
 * {@code Scope} (nothing it allocates outlives the call) with recording on, and leaves the parameters' gradients
 * untouched. The model must be a single-device one ({@link TensorParallel#single()}) without activation
 * checkpointing. Call on the thread that owns the model; the returned graph is immutable and owned by the caller.
 */
public final class GptTracer {
  private GptTracer() {}

  /** Builds the model of {@code config} on the CPU, traces it with {@code batch} sequences and frees it. */
  public static Graph trace(GptConfig config, int batch) {
    try (Gpt model = new Gpt(config, TensorParallel.single())) {
      return trace(model, batch);
    }
  }

  /** Traces {@code model} (single device, any device) with a batch of {@code batch} sequences of length seq. */
  public static Graph trace(Gpt model, int batch) {
    if (batch < 1) {
      throw new IllegalArgumentException("trace: batch must be >= 1, got " + batch);
    }
    if (model.tensorParallel().size() != 1) {
      throw new IllegalArgumentException("trace: the model is split over " + model.tensorParallel().size()
          + " tensor-parallel ranks; trace a single-device model (TensorParallel.single())");
    }
    GptConfig c = model.config();
    int t = c.seq();
    int[] tokens = new int[batch * t];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = (int) ((i * 7919L) % c.vocab());
    }
    Device device = model.tokenEmbedding().value().device();
    try (Scope scope = Scope.open(); Autograd.Guard g = Autograd.enableGrad()) {
      Tensor host = Tensor.fromIntArray(tokens, batch, t);
      Tensor ids = device.isCpu() ? host : host.to(device);
      Variable loss = model.loss(ids, ids);
      return new Walk(model).run(Autograd.recordedOps(loss));
    }
  }

  /** An IR op under construction (the bias of a folded bias_add arrives after its linear). */
  private static final class Pending {
    final String name;
    final OpKind kind;
    final List<String> inputs = new ArrayList<>();
    final List<String> params = new ArrayList<>();
    final String output;
    final Map<Character, String> unshardable = new HashMap<>();
    int layer;
    double flops;
    boolean head;

    Pending(String name, OpKind kind, String output) {
      this.name = name;
      this.kind = kind;
      this.output = output;
    }
  }

  /** One walk over the recorded operations; not reusable. */
  private static final class Walk {
    private final Gpt model;
    private final int layers;
    private final Map<Variable, String> tensorOf = new IdentityHashMap<>();
    private final Map<String, List<Long>> shapes = new HashMap<>();
    private final Map<String, DType> dtypes = new HashMap<>();
    private final Map<String, Boolean> isParam = new HashMap<>();
    private final Map<String, Pending> producer = new HashMap<>();
    private final List<Pending> ops = new ArrayList<>();
    private final Map<String, Integer> residuals = new HashMap<>();
    private final Map<Character, Long> sizes = new HashMap<>();
    private boolean inBlocks;

    Walk(Gpt model) {
      this.model = model;
      this.layers = model.config().layers();
    }

    Graph run(List<RecordedOp> recorded) {
      for (RecordedOp r : recorded) {
        visit(r);
      }
      return build();
    }

    private void visit(RecordedOp r) {
      List<Variable> in = r.inputs();
      Variable out = r.output();
      switch (r.name()) {
        case "reshape", "permute" -> tensorOf.put(out, tensor(in.get(0), r));
        case "embedding", "vocab_parallel_embedding" -> {
          Parameter table = parameter(in.get(0), r);
          boolean tokens = table == model.tokenEmbedding();
          Pending p = op(module(table), OpKind.EMBEDDING, out);
          String ids = tokens ? "tokens" : "positions";
          long[] dims = out.shape().toArray();
          input(ids, List.of(dims[0], dims[1]), DType.I32);
          p.inputs.add(ids);
          p.params.add(param(table));
          p.flops = out.value().numel();
          sizes.put('s', dims[0]);
          sizes.put('b', dims[1]);
          sizes.put('d', dims[2]);
          if (tokens) {
            sizes.put('v', table.shape().dim(0));
          }
        }
        case "add" -> {
          String a = tensor(in.get(0), r);
          String b = tensor(in.get(1), r);
          Pending pa = producer.get(a);
          Pending pb = producer.get(b);
          String name;
          if (pa != null && pb != null && pa.kind == OpKind.EMBEDDING && pb.kind == OpKind.EMBEDDING) {
            name = "embed";
          } else {
            Pending anchor = ops.indexOf(pa) > ops.indexOf(pb) ? pa : pb;
            String block = block(anchor, r);
            name = block + ".res" + residuals.merge(block, 1, Integer::sum);
          }
          Pending p = op(name, OpKind.ELEMENTWISE, out);
          p.inputs.add(a);
          p.inputs.add(b);
          p.flops = out.value().numel();
        }
        case "bias_add" -> {
          String x = tensor(in.get(0), r);
          Pending linear = producer.get(x);
          if (linear == null || linear.kind != OpKind.MATMUL || linear.params.size() != 1) {
            throw new IllegalArgumentException("trace: bias_add does not follow a linear without bias: " + r);
          }
          linear.params.add(param(parameter(in.get(1), r)));
          linear.flops += out.value().numel();
          tensorOf.put(out, x);
        }
        case "linear" -> {
          Parameter w = parameter(in.get(1), r);
          boolean head = w == model.lmHeadWeight();
          Pending p = op(head ? "lm_head" : module(w), OpKind.MATMUL, out);
          p.head = head;
          p.inputs.add(tensor(in.get(0), r));
          p.params.add(param(w));
          if (in.size() > 2) {
            p.params.add(param(parameter(in.get(2), r)));
          }
          long rows = out.value().numel() / w.shape().dim(0);
          p.flops = 2.0 * rows * w.shape().dim(1) * w.shape().dim(0) + (in.size() > 2 ? rows * w.shape().dim(0) : 0);
          if (head) {
            sizes.put('v', w.shape().dim(0));
          }
        }
        case "layer_norm" -> {
          Parameter w = parameter(in.get(1), r);
          Pending p = op(module(w), OpKind.LAYERNORM, out);
          p.inputs.add(tensor(in.get(0), r));
          p.params.add(param(w));
          p.params.add(param(parameter(in.get(2), r)));
          p.unshardable.put('d', "layernorm normalizes over d");
          p.flops = 8.0 * out.value().numel();
        }
        case "gelu" -> {
          String x = tensor(in.get(0), r);
          Pending p = op(parent(fed(x, r)) + ".gelu", OpKind.GELU, out);
          p.inputs.add(x);
          p.flops = 8.0 * out.value().numel();
          sizes.put('f', shapes.get(x).get(shapes.get(x).size() - 1));
        }
        case "causal_attention" -> {
          Long heads = r.attributes().get("heads");
          if (heads == null) {
            throw new IllegalArgumentException("trace: causal_attention was recorded without its number of heads: "
                + r);
          }
          String qkv = tensor(in.get(0), r);
          Pending p = op(parent(fed(qkv, r)) + ".core", OpKind.ATTENTION, null);
          tensorOf.put(out, p.output); // its shape is the (T, B, C) its consumer reads, set by tensor()
          p.inputs.add(qkv);
          p.unshardable.put('s', "attention needs the full key/value sequence");
          long[] y = out.shape().toArray(); // (B*H, T, hd)
          p.flops = 4.0 * y[0] * y[1] * y[1] * y[2] + 5.0 * y[0] * y[1] * y[1];
          sizes.put('h', heads);
        }
        case "vocab_parallel_cross_entropy", "cross_entropy" -> {
          String logits = tensor(in.get(0), r);
          Pending p = op("loss", OpKind.CROSS_ENTROPY, null);
          shapes.put(p.output, List.of());
          dtypes.put(p.output, DType.F32);
          List<Long> l = shapes.get(logits);
          input("targets", l.subList(0, l.size() - 1), DType.I32);
          p.inputs.add(logits);
          p.inputs.add("targets");
          p.flops = 5.0 * in.get(0).value().numel();
        }
        default -> throw new IllegalArgumentException("trace: no IR op for the recorded operation '" + r.name()
            + "' (" + r + ")");
      }
    }

    /** A new op whose output is {@code out}'s value (or, with out null, a tensor whose shape is set elsewhere). */
    private Pending op(String name, OpKind kind, Variable out) {
      if (name.startsWith("blocks.")) {
        inBlocks = true;
      }
      Pending p = new Pending(name, kind, name + ".out");
      p.layer = name.startsWith("blocks.") ? Integer.parseInt(name.split("\\.")[1]) + 1 : inBlocks ? layers + 1 : 0;
      if (out != null) {
        tensorOf.put(out, p.output);
        shapes.put(p.output, dims(out));
        dtypes.put(p.output, dtype(out.value().dtype()));
      }
      isParam.put(p.output, false);
      producer.put(p.output, p);
      ops.add(p);
      return p;
    }

    /** The IR tensor a variable stands for; a consumer reading attention's output fixes that tensor's shape. */
    private String tensor(Variable v, RecordedOp r) {
      String name = tensorOf.get(v);
      if (name == null) {
        throw new IllegalArgumentException("trace: " + r.name() + " reads " + v + ", which no traced op produced");
      }
      Pending p = producer.get(name);
      if (p != null && p.kind == OpKind.ATTENTION && !shapes.containsKey(name) && !r.name().equals("reshape")
          && !r.name().equals("permute")) {
        shapes.put(name, dims(v));
        dtypes.put(name, dtype(v.value().dtype()));
      }
      return name;
    }

    /** The module name of the MATMUL producing {@code tensor} (attention and GELU are named after it). */
    private String fed(String tensor, RecordedOp r) {
      Pending p = producer.get(tensor);
      if (p == null || p.kind != OpKind.MATMUL) {
        throw new IllegalArgumentException("trace: " + r.name() + " does not read a linear's output: " + r);
      }
      return p.name;
    }

    private String param(Parameter p) {
      if (!isParam.containsKey(p.name())) {
        isParam.put(p.name(), true);
        shapes.put(p.name(), dims(p));
        dtypes.put(p.name(), dtype(p.value().dtype()));
      }
      return p.name();
    }

    private void input(String name, List<Long> shape, DType dtype) {
      if (!shapes.containsKey(name)) {
        shapes.put(name, List.copyOf(shape));
        dtypes.put(name, dtype);
        isParam.put(name, false);
      }
    }

    private static Parameter parameter(Variable v, RecordedOp r) {
      if (v instanceof Parameter p) {
        return p;
      }
      throw new IllegalArgumentException("trace: " + r.name() + " uses " + v + " where a parameter is expected");
    }

    private String block(Pending anchor, RecordedOp r) {
      String[] parts = anchor == null ? new String[0] : anchor.name.split("\\.");
      if (parts.length < 2 || !parts[0].equals("blocks")) {
        throw new IllegalArgumentException("trace: an add outside a block and not of the embeddings: " + r);
      }
      return parts[0] + "." + parts[1];
    }

    private static String module(Parameter p) {
      return parent(p.name());
    }

    private static String parent(String path) {
      int dot = path.lastIndexOf('.');
      return dot < 0 ? "" : path.substring(0, dot);
    }

    private Graph build() {
      Map<String, Character> feature = new HashMap<>();
      Map<String, List<Pending>> consumers = new HashMap<>();
      for (Pending p : ops) {
        for (String in : p.inputs) {
          consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(p);
        }
      }
      for (Pending p : ops) {
        char f = switch (p.kind) {
          case EMBEDDING, LAYERNORM -> 'd';
          case ELEMENTWISE, GELU -> feature.get(p.inputs.get(0));
          case ATTENTION -> 'h';
          case MATMUL -> p.head ? 'v' : matmulOutput(consumers.getOrDefault(p.output, List.of()));
          default -> ' ';
        };
        feature.put(p.output, f);
      }
      Graph.Builder g = new Graph.Builder();
      Map<String, Boolean> declared = new LinkedHashMap<>();
      for (Pending p : ops) {
        List<String> labels = new ArrayList<>();
        for (String in : p.inputs) {
          labels.add(activationLabels(in, feature));
        }
        for (String prm : p.params) {
          labels.add(paramLabels(p, prm, feature));
        }
        labels.add(p.kind == OpKind.CROSS_ENTROPY ? "" : "sb" + feature.get(p.output));
        List<String> all = new ArrayList<>(p.inputs);
        all.addAll(p.params);
        all.add(p.output);
        for (String t : all) {
          if (declared.put(t, Boolean.TRUE) == null) {
            List<Long> shape = shapes.get(t);
            if (shape == null) {
              throw new IllegalStateException("trace: no consumer fixed the shape of " + t);
            }
            g.tensor(new TensorInfo(t, shape, dtypes.get(t), isParam.get(t)));
          }
        }
        g.op(new Op(p.name, p.kind, p.layer, p.inputs, p.params, p.output, labels, sizes, p.unshardable, p.flops));
      }
      return g.build();
    }

    private static char matmulOutput(List<Pending> consumers) {
      for (Pending c : consumers) {
        if (c.kind == OpKind.ATTENTION) {
          return 'h';
        }
        if (c.kind == OpKind.GELU) {
          return 'f';
        }
      }
      return 'd';
    }

    private String activationLabels(String t, Map<String, Character> feature) {
      Character f = feature.get(t);
      return f == null ? "sb" : "sb" + f; // ids (T, B) carry no feature letter
    }

    private String paramLabels(Pending p, String prm, Map<String, Character> feature) {
      switch (p.kind) {
        case EMBEDDING:
          return p.inputs.get(0).equals("tokens") ? "vd" : "sd";
        case LAYERNORM:
          return "d";
        case MATMUL: {
          char out = feature.get(p.output);
          return prm.equals(p.params.get(0)) ? "" + out + feature.get(p.inputs.get(0)) : "" + out;
        }
        default:
          throw new IllegalStateException("trace: op " + p.name + " of kind " + p.kind + " has parameters");
      }
    }

    private static List<Long> dims(Variable v) {
      List<Long> out = new ArrayList<>();
      for (long d : v.shape().toArray()) {
        out.add(d);
      }
      return out;
    }

    private static DType dtype(dev.shard4j.tensor.DType t) {
      return switch (t) {
        case F32 -> DType.F32;
        case BF16 -> DType.BF16;
        case I32 -> DType.I32;
      };
    }
  }
}
