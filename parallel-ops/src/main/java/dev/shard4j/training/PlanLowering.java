package dev.shard4j.training;

import dev.shard4j.autoshard.MeshShape;
import dev.shard4j.autoshard.Plan;
import dev.shard4j.pipeline.StageShape;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a GPT {@link Plan} (from the planner or from {@code ManualPlans}) into the configuration the runtime executes:
 * each mesh axis of the stage gets one role, data parallel (every op splits the batch letter {@code b}) or Megatron
 * tensor parallel (attention and MLP split heads {@code h} and hidden {@code f}, embedding, head and loss split the
 * vocabulary {@code v}, the position embedding replicates, layer norms ({@code blocks.N.ln1}, {@code blocks.N.ln2},
 * {@code ln_f}) replicate or, with sequence parallelism, split the sequence {@code s}); ZeRO-3
 * when the data-parallel ops shard their parameters ({@code +zero}).
 *
 * <p>A plan of several stages lowers to the pipeline runtime ({@link #lowerPipeline}): one {@link StageShape} per
 * stage and the stage map of its layers. Plans whose ops mix roles on one axis (the unrestricted planner may, e.g.,
 * split the embedding's model dimension on a data-parallel axis; {@code AutoShardOptions.executableOnly} keeps it
 * from doing so) are not executable: lowering throws {@link UnsupportedOperationException} listing every op that
 * deviates. Pure; any thread.
 */
public final class PlanLowering {
  /** What to run: mesh sizes per role, sequence parallelism and the ZeRO stage. */
  public record Lowered(int dp, int tp, boolean sequenceParallel, int zeroStage) {}

  /**
   * What the pipeline runtime runs for a plan: the shape of each stage, the layers of each stage (0 = embedding,
   * 1..L = blocks, L + 1 = head, as in {@code StageMap}), the micro-batch count and the schedule name
   * ({@code 1f1b} or {@code gpipe}).
   */
  public record Pipeline(List<StageShape> stages, List<List<Integer>> stageMap, int microBatches, String schedule) {
    /** Copies the lists. */
    public Pipeline {
      stages = List.copyOf(stages);
      stageMap = List.copyOf(stageMap);
    }

    /** Ranks of all stages. */
    public int ranks() {
      return stages.stream().mapToInt(StageShape::size).sum();
    }
  }

  private enum Role { DATA, TENSOR }

  private PlanLowering() {}

  /**
   * Lowers a single-stage {@code plan} to the dp x tp trainer; a plan of several stages is rejected (use
   * {@link #lowerPipeline}).
   */
  public static Lowered lower(Plan plan) {
    if (plan.stages().size() != 1) {
      throw new UnsupportedOperationException("executing plan '" + plan.name() + "': it has " + plan.stages().size()
          + " pipeline stages; the dp x tp trainer runs one, lower it with lowerPipeline");
    }
    return lowerStage(plan, 0);
  }

  /**
   * Lowers {@code plan} of any number of stages to the pipeline runtime. Rejects ZeRO in a plan of several stages
   * (the pipeline runtime keeps full parameters on every rank of a stage) and stages that do not cover the layers
   * in order.
   */
  public static Pipeline lowerPipeline(Plan plan) {
    List<StageShape> shapes = new ArrayList<>();
    List<List<Integer>> map = new ArrayList<>();
    int next = 0;
    for (int s = 0; s < plan.stages().size(); s++) {
      Plan.StagePlan st = plan.stages().get(s);
      Lowered l = lowerStage(plan, s);
      if (l.zeroStage() != 0 && plan.stages().size() > 1) {
        throw new UnsupportedOperationException("executing plan '" + plan.name() + "': stage " + s + " shards "
            + "parameters (ZeRO) but the pipeline runtime keeps full parameters on every rank of a stage");
      }
      if (st.firstLayer() != next || st.lastLayer() < st.firstLayer()) {
        throw new IllegalArgumentException("executing plan '" + plan.name() + "': stage " + s + " holds layers "
            + st.firstLayer() + ".." + st.lastLayer() + ", expected the next to start at layer " + next);
      }
      List<Integer> layers = new ArrayList<>();
      for (int i = st.firstLayer(); i <= st.lastLayer(); i++) {
        layers.add(i);
      }
      next = st.lastLayer() + 1;
      map.add(layers);
      shapes.add(new StageShape(l.dp(), l.tp(), l.sequenceParallel()));
    }
    return new Pipeline(shapes, map, plan.microBatches(), plan.schedule().toLowerCase(Locale.ROOT));
  }

  private static Lowered lowerStage(Plan plan, int stageIndex) {
    Plan.StagePlan stage = plan.stages().get(stageIndex);
    String where = plan.stages().size() == 1 ? "" : " stage " + stageIndex;
    MeshShape mesh = stage.mesh();
    Map<String, Plan.OpSharding> ops = stage.ops();
    Plan.OpSharding anchor = null;
    String anchorName = null;
    for (Map.Entry<String, Plan.OpSharding> e : ops.entrySet()) {
      if (anchor == null && e.getKey().endsWith(".attn.qkv")) {
        anchor = e.getValue();
        anchorName = e.getKey();
      }
    }
    if (anchor == null) {
      anchor = ops.get("wte") != null ? ops.get("wte") : ops.get("lm_head");
      anchorName = ops.get("wte") != null ? "wte" : "lm_head";
    }
    if (anchor == null) {
      throw new IllegalArgumentException("executing plan '" + plan.name() + "'" + where + ": no attention block, "
          + "embedding or LM head; not a GPT plan");
    }
    Role[] roles = new Role[2];
    List<String> problems = new ArrayList<>();
    for (int axis = 0; axis < 2; axis++) {
      if (mesh.size(axis) == 1) {
        continue;
      }
      char c = anchor.strategy().charAt(axis);
      boolean tensorLetter = anchorName.endsWith("attn.qkv") ? c == 'h' : c == 'v';
      roles[axis] = c == 'b' ? Role.DATA : tensorLetter ? Role.TENSOR : null;
      if (roles[axis] == null) {
        problems.add("axis " + axis + " (size " + mesh.size(axis) + "): " + anchorName + " splits '" + c
            + "', neither the batch (data parallel) nor the " + (anchorName.endsWith("attn.qkv") ? "heads" : "vocabulary")
            + " (tensor parallel)");
      }
    }
    boolean sp = false;
    boolean spSeen = false;
    int zeroOps = 0;
    int dataParamOps = 0;
    for (Map.Entry<String, Plan.OpSharding> e : ops.entrySet()) {
      String strategy = e.getValue().strategy();
      if (strategy.startsWith("=")) {
        continue;
      }
      String op = e.getKey();
      boolean zero = strategy.endsWith("+zero");
      for (int axis = 0; axis < 2; axis++) {
        if (roles[axis] == null) {
          continue;
        }
        char got = strategy.charAt(axis);
        String want = expected(op, roles[axis]);
        if (want.indexOf(got) < 0) {
          problems.add("op " + op + " splits '" + got + "' on axis " + axis + " (size " + mesh.size(axis) + "), the "
              + (roles[axis] == Role.DATA ? "data" : "tensor") + "-parallel role needs '" + want + "'");
        }
        if (roles[axis] == Role.TENSOR && isNorm(op)) {
          if (spSeen && sp != (got == 's')) {
            problems.add("op " + op + ": layer norms disagree on sequence parallelism");
          }
          sp = got == 's';
          spSeen = true;
        }
        if (roles[axis] == Role.DATA && !e.getValue().params().isEmpty()) {
          dataParamOps++;
          zeroOps += zero ? 1 : 0;
        }
      }
    }
    if (zeroOps != 0 && zeroOps != dataParamOps) {
      problems.add(zeroOps + " of " + dataParamOps + " ops with parameters shard them over the data-parallel axis "
          + "(+zero); the runtime shards all or none");
    }
    if (!problems.isEmpty()) {
      throw new UnsupportedOperationException("executing plan '" + plan.name() + "'" + where + " on mesh " + mesh
          + ": per-op shardings that mix roles on one axis are not executable yet:\n  " + String.join("\n  ", problems));
    }
    int dp = 1;
    int tp = 1;
    for (int axis = 0; axis < 2; axis++) {
      if (roles[axis] == Role.DATA) {
        dp *= mesh.size(axis);
      } else if (roles[axis] == Role.TENSOR) {
        tp *= mesh.size(axis);
      }
    }
    return new Lowered(dp, tp, sp, zeroOps > 0 ? 3 : 0);
  }

  private static boolean isNorm(String op) {
    return op.endsWith(".ln1") || op.endsWith(".ln2") || op.equals("ln_f");
  }

  /** The letters op {@code op} may split in a role ('-' means replicated). */
  private static String expected(String op, Role role) {
    if (role == Role.DATA) {
      return "b";
    }
    if (isNorm(op)) {
      return "-s";
    }
    if (op.equals("wte") || op.equals("lm_head") || op.equals("loss")) {
      return "v";
    }
    if (op.endsWith("attn.qkv") || op.endsWith("attn.core") || op.endsWith("attn.proj")) {
      return "h";
    }
    if (op.endsWith("mlp.fc") || op.endsWith("mlp.proj")) {
      return "f";
    }
    return "-";
  }
}
