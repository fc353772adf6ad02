package dev.shard4j.autograd;

/**
 * Mixed precision for the current thread, in the spirit of {@code torch.autocast(dtype=torch.bfloat16)}: while a
 * {@link #bf16()} region is open, linear layers round their GEMM inputs (activations, weights and, in backward, the
 * output gradients) to bf16 and multiply with fp32 accumulation into fp32 outputs. Parameters stay fp32 (the
 * master weights), so do gradients, optimizer state, reductions, layer norm, softmax and the loss. A backward pass
 * uses the precision its forward was recorded with, whatever region it runs in.
 *
 * <p>What is bf16 today: the operands of every {@code linear} (QKV, attention output, MLP and LM-head projections,
 * the bulk of a GPT's FLOPs) and the copies of them the backward keeps. The attention core (QK^T, softmax, AV)
 * stays fp32.
 */
public final class Autocast {
  private static final ThreadLocal<boolean[]> BF16 = ThreadLocal.withInitial(() -> new boolean[] {false});

  private Autocast() {}

  /** Whether linear layers on this thread currently compute with bf16 inputs. */
  public static boolean isBf16() {
    return BF16.get()[0];
  }

  /** Opens a bf16 region on this thread until the returned guard is closed (regions nest). */
  public static Autograd.Guard bf16() {
    return set(true);
  }

  /** Opens an fp32 region (inside a bf16 one) until the returned guard is closed. */
  public static Autograd.Guard fp32() {
    return set(false);
  }

  private static Autograd.Guard set(boolean on) {
    boolean[] flag = BF16.get();
    boolean previous = flag[0];
    flag[0] = on;
    return () -> flag[0] = previous;
  }
}
