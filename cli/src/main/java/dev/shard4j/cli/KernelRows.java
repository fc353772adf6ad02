package dev.shard4j.cli;

import dev.shard4j.ops.Elementwise;
import dev.shard4j.ops.LayerNorm;
import dev.shard4j.ops.Softmax;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Shape;
import dev.shard4j.tensor.Tensor;
import java.io.PrintStream;

/** The bandwidth-bound rows of {@code shard4j bench}: GELU, softmax and layernorm on 64 MiB of fp32. */
final class KernelRows {
  /** Times an action and returns the median seconds. */
  interface Timer {
    double median(BenchCommand.Action action);
  }

  private KernelRows() {}

  static void print(Timer timer, PrintStream out) {
    try (Scope scope = Scope.open()) {
      long rows = 16384;
      long cols = 1024;
      Shape shape = Shape.of(rows, cols);
      double bytes = rows * cols * 4.0;
      Tensor x = Tensor.zeros(shape, DType.F32, Device.CPU);
      Tensor y = Tensor.zeros(shape, DType.F32, Device.CPU);
      double t = timer.median(() -> Elementwise.geluForward(y, x));
      BenchCommand.row("gelu forward", rows + "x" + cols, t, 2 * bytes / t / 1e9, "GB/s");
      t = timer.median(() -> Softmax.forward(y, x, false));
      BenchCommand.row("softmax forward", rows + "x" + cols, t, 2 * bytes / t / 1e9, "GB/s");
      Tensor w = Tensor.zeros(Shape.of(cols), DType.F32, Device.CPU);
      Tensor b = Tensor.zeros(Shape.of(cols), DType.F32, Device.CPU);
      Tensor mean = Tensor.zeros(Shape.of(rows), DType.F32, Device.CPU);
      Tensor rstd = Tensor.zeros(Shape.of(rows), DType.F32, Device.CPU);
      t = timer.median(() -> LayerNorm.forward(y, mean, rstd, x, w, b, 1e-5f));
      BenchCommand.row("layernorm forward", rows + "x" + cols, t, 2 * bytes / t / 1e9, "GB/s");
    }
  }
}
