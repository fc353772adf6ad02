package dev.shard4j.cli;

import dev.shard4j.ops.Elementwise;
import dev.shard4j.ops.Gemm;
import dev.shard4j.ops.Reductions;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.util.Random;

/**
 * Trains a two-layer MLP, {@code y = W2 gelu(W1 x + b1) + b2}, to imitate a fixed random "teacher" MLP of the same
 * shape on fresh Gaussian inputs (a synthetic regression task whose loss can fall towards zero). Forward and backward
 * are written out with Shard4j's kernels (GEMM, fused bias+GELU, bias add, reductions); the optimizer is SGD with
 * momentum. Owns its parameters; close it to free them. Used by one thread.
 */
public final class MlpTrainer implements AutoCloseable {
  /** Sizes and hyper-parameters. */
  public record Config(int inputs, int hidden, int outputs, int batch, float learningRate, float momentum,
      long seed) {
    public static Config defaults() {
      return new Config(64, 256, 16, 128, 0.05f, 0.9f, 1234L);
    }
  }

  private final Config cfg;
  private final Device device;
  private final Random data;
  private final Tensor teacherW1;
  private final Tensor teacherB1;
  private final Tensor teacherW2;
  private final Tensor teacherB2;
  private final Tensor[] params;
  private final Tensor[] grads;
  private final Tensor[] velocity;

  public MlpTrainer(Config cfg, Device device) {
    this.cfg = cfg;
    this.device = device;
    Random init = new Random(cfg.seed());
    this.data = new Random(cfg.seed() + 1);
    teacherW1 = normal(init, Shape.of(cfg.inputs(), cfg.hidden()), (float) (1.5 / Math.sqrt(cfg.inputs())));
    teacherB1 = normal(init, Shape.of(cfg.hidden()), 0.5f);
    teacherW2 = normal(init, Shape.of(cfg.hidden(), cfg.outputs()), (float) (1.5 / Math.sqrt(cfg.hidden())));
    teacherB2 = normal(init, Shape.of(cfg.outputs()), 0.5f);
    params = new Tensor[] {
        normal(init, Shape.of(cfg.inputs(), cfg.hidden()), (float) (1.0 / Math.sqrt(cfg.inputs()))),
        Tensor.zeros(Shape.of(cfg.hidden()), DType.F32, device),
        normal(init, Shape.of(cfg.hidden(), cfg.outputs()), (float) (1.0 / Math.sqrt(cfg.hidden()))),
        Tensor.zeros(Shape.of(cfg.outputs()), DType.F32, device)};
    grads = new Tensor[params.length];
    velocity = new Tensor[params.length];
    for (int i = 0; i < params.length; i++) {
      grads[i] = Tensor.zeros(params[i].shape(), DType.F32, device);
      velocity[i] = Tensor.zeros(params[i].shape(), DType.F32, device);
    }
  }

  private Tensor normal(Random rnd, Shape shape, float std) {
    float[] v = new float[(int) shape.numel()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (rnd.nextGaussian() * std);
    }
    return Tensor.fromArray(v, shape, DType.F32, device);
  }

  /** y = w2 gelu(x w1 + b1) + b2; when {@code saved} is given it receives x w1 (before the bias) and the activation. */
  private static Tensor forward(Tensor x, Tensor w1, Tensor b1, Tensor w2, Tensor b2, Tensor[] saved) {
    Tensor xw = Gemm.matmul(x, w1);
    Tensor h = Elementwise.biasGeluForward(xw, b1);
    Tensor y = Gemm.matmul(h, w2);
    Elementwise.biasAdd(y, y, b2);
    if (saved != null) {
      saved[0] = xw;
      saved[1] = h;
    }
    return y;
  }

  /** Runs one SGD step on a fresh batch and returns the mean squared error before the update. */
  public float step() {
    try (Scope scope = Scope.open()) {
      float[] xs = new float[cfg.batch() * cfg.inputs()];
      for (int i = 0; i < xs.length; i++) {
        xs[i] = (float) data.nextGaussian();
      }
      Tensor x = Tensor.fromArray(xs, Shape.of(cfg.batch(), cfg.inputs()), DType.F32, device);
      Tensor target = forward(x, teacherW1, teacherB1, teacherW2, teacherB2, null);
      Tensor[] saved = new Tensor[2];
      Tensor y = forward(x, params[0], params[1], params[2], params[3], saved);

      // loss = mean((y - target)^2); dy = 2 (y - target) / N
      Tensor diff = Elementwise.sub(y, target);
      long count = diff.numel();
      float loss = (float) (Reductions.sumSquares(diff) / count);
      Tensor dy = Elementwise.scale(diff, 2.0f / count);

      // dW1, dW2 and db2 are overwritten below; only db1 is accumulated into, so only it is cleared.
      Elementwise.scale(grads[1], grads[1], 0f);
      // layer 2: dW2 = h^T dy, db2 = sum_rows dy, dh = dy W2^T
      Gemm.gemm(grads[2], saved[1].transpose(0, 1), dy, 1f, 0f);
      Reductions.sum(grads[3], dy, 0);
      Tensor dh = Gemm.matmul(dy, params[2].transpose(0, 1));
      // layer 1: dpre = dh * gelu'(xw + b1), db1 = sum_rows dpre, dW1 = x^T dpre
      Tensor dpre = Elementwise.biasGeluBackward(grads[1], saved[0], params[1], dh);
      Gemm.gemm(grads[0], x.transpose(0, 1), dpre, 1f, 0f);

      // SGD with momentum (PyTorch's form): v = mu v + g; p -= lr v
      for (int i = 0; i < params.length; i++) {
        Elementwise.scale(velocity[i], velocity[i], cfg.momentum());
        Elementwise.axpy(velocity[i], 1f, grads[i]);
        Elementwise.axpy(params[i], -cfg.learningRate(), velocity[i]);
      }
      return loss;
    }
  }

  public Config config() {
    return cfg;
  }

  @Override
  public void close() {
    for (Tensor t : new Tensor[] {teacherW1, teacherB1, teacherW2, teacherB2}) {
      t.close();
    }
    for (Tensor[] group : new Tensor[][] {params, grads, velocity}) {
      for (Tensor t : group) {
        t.close();
      }
    }
  }
}
