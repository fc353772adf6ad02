package dev.shard4j.ops;

import dev.shard4j.nativelib.AdamWBinding;
import dev.shard4j.tensor.CudaStream;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.NativeStatus;
import dev.shard4j.tensor.Tensor;

/**
 * Fused optimizer steps over flat f32 buffers (any shape; param, grad and the state tensors share one shape and are
 * contiguous): AdamW as torch.optim.AdamW and SGD with momentum as torch.optim.SGD (dampening 0). Each updates the
 * parameter and its state in place in one pass over memory. {@code gradScale} multiplies the gradient first (global
 * norm clipping); pass 1 for none.
 */
public final class AdamW {
  private AdamW() {}

  /**
   * One AdamW step: param *= 1 - lr*wd; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
   * param -= lr/(1-b1^step) * m / (sqrt(v)/sqrt(1-b2^step) + eps), with g = grad * gradScale. step counts from 1.
   */
  public static void step(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
      float weightDecay, long step, float gradScale) {
    String op = "adamw";
    Device dev = Checks.sameDevice(op, param, grad, m, v);
    check(op, param, grad, m, v);
    if (step < 1) {
      throw new IllegalArgumentException(op + ": step must be >= 1, got " + step);
    }
    if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && eps >= 0 && lr >= 0)) {
      throw new IllegalArgumentException(op + ": need 0 <= beta1, beta2 < 1, eps >= 0, lr >= 0; got beta1 " + beta1
          + ", beta2 " + beta2 + ", eps " + eps + ", lr " + lr);
    }
    int status = dev.isCpu()
        ? AdamWBinding.s4j_adamw_cpu(param.dataAddress(), m.dataAddress(), v.dataAddress(), grad.dataAddress(),
            param.numel(), lr, beta1, beta2, eps, weightDecay, step, gradScale)
        : AdamWBinding.s4j_adamw_cuda(param.dataAddress(), m.dataAddress(), v.dataAddress(), grad.dataAddress(),
            param.numel(), lr, beta1, beta2, eps, weightDecay, step, gradScale, CudaStream.currentHandle(dev));
    NativeStatus.check(status, op + " on " + param.describe());
  }

  /**
   * One SGD step: g = grad*gradScale + wd*param; buf = firstStep ? g : momentum*buf + g;
   * param -= lr * (nesterov ? g + momentum*buf : buf). With momentum 0, momentumBuf may be null and param -= lr*g.
   */
  public static void sgd(Tensor param, Tensor grad, Tensor momentumBuf, float lr, float momentum, float weightDecay,
      boolean nesterov, boolean firstStep, float gradScale) {
    String op = "sgd";
    Device dev = momentumBuf == null ? Checks.sameDevice(op, param, grad)
        : Checks.sameDevice(op, param, grad, momentumBuf);
    if (momentumBuf == null) {
      if (momentum != 0) {
        throw new IllegalArgumentException(op + ": momentum " + momentum + " needs a momentum buffer");
      }
      check(op, param, grad);
    } else {
      check(op, param, grad, momentumBuf);
    }
    if (nesterov && momentum <= 0) {
      throw new IllegalArgumentException(op + ": nesterov needs momentum > 0, got " + momentum);
    }
    long buf = momentumBuf == null ? 0 : momentumBuf.dataAddress();
    int status = dev.isCpu()
        ? AdamWBinding.s4j_sgd_cpu(param.dataAddress(), buf, grad.dataAddress(), param.numel(), lr, momentum,
            weightDecay, nesterov ? 1 : 0, firstStep ? 1 : 0, gradScale)
        : AdamWBinding.s4j_sgd_cuda(param.dataAddress(), buf, grad.dataAddress(), param.numel(), lr, momentum,
            weightDecay, nesterov ? 1 : 0, firstStep ? 1 : 0, gradScale, CudaStream.currentHandle(dev));
    NativeStatus.check(status, op + " on " + param.describe());
  }

  private static void check(String op, Tensor... ts) {
    Checks.sameShape(op, ts);
    String[] names = {"param", "grad", "state", "state"};
    for (int i = 0; i < ts.length; i++) {
      Checks.dtype(op, names[i], ts[i], DType.F32);
      Checks.contiguous(op, names[i], ts[i]);
    }
  }
}
