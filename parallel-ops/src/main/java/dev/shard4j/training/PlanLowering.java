package dev.shard4j.training;

import dev.shard4j.autoshard.MeshShape;
import dev.shard4j.autoshard.Plan;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns a GPT {@link Plan} (from the planner or from {@code ManualPlans}) into the configuration the runtime executes:
 * each mesh axis of the stage gets one role, data parallel (every op splits the batch letter {@code b}) or Megatron
 * tensor parallel (attention and MLP split heads {@code h} and hidden {@code f}, embedding, head and loss split the
 * vocabulary {@code v}, layer norms replicate or, with sequence parallelism, split the sequence {@code s}); ZeRO-3
 * when the data-parallel ops shard their parameters ({@code +zero}).
 *
 * <p>Plans whose ops mix roles on one axis (the planner may, e.g., split the embedding's model dimension on a
 * data-parallel axis) and plans of several pipeline stages are not executable yet: lowering throws
 * {@link UnsupportedOperationException} listing every op that deviates. Pure; any thread.
 */
public final class PlanLowering {
  /** What to run: mesh sizes per role, sequence parallelism and the ZeRO stage. */
  public record Lowered(int dp, int tp, boolean sequenceParallel, int zeroStage) {}

  private enum Role { DATA, TENSOR }

  private PlanLowering() {}

  /** Lowers {@code plan}; see the class comment for what is supported. */
  public static Lowered lower(Plan plan) {
    if (plan.stages().size() != 1) {
      throw new UnsupportedOperationException("executing plan '" + plan.name() + "': it has " + plan.stages().size()
          + " pipeline stages; executing multi-stage plans through the pipeline runtime is not wired yet");
    }
    Plan.StagePlan stage = plan.stages().get(0);
    MeshShape mesh = stage.mesh();
    Map<String, Plan.OpSharding> ops = stage.ops();
    Plan.OpSharding anchor = ops.get("h.0.attn.qkv");
    if (anchor == null) {
      throw new IllegalArgumentException("executing plan '" + plan.name() + "': no op h.0.attn.qkv; not a GPT plan");
    }
    Role[] roles = new Role[2];
    List<String> problems = new ArrayList<>();
    for (int axis = 0; axis < 2; axis++) {
      if (mesh.size(axis) == 1) {
        continue;
      }
      char c = anchor.strategy().charAt(axis);
      roles[axis] = c == 'b' ? Role.DATA : c == 'h' ? Role.TENSOR : null;
      if (roles[axis] == null) {
        problems.add("axis " + axis + " (size " + mesh.size(axis) + "): h.0.attn.qkv splits '" + c
            + "', neither the batch (data parallel) nor the heads (tensor parallel)");
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
      throw new UnsupportedOperationException("executing plan '" + plan.name() + "' on mesh " + mesh
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
    return op.endsWith("ln_1") || op.endsWith("ln_2") || op.equals("ln_f");
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
