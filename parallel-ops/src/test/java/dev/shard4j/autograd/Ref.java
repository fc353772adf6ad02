package dev.shard4j.autograd;

/** Plain double-precision reference implementations of the differentiable ops, on flat row-major arrays. */
final class Ref {
  private Ref() {}

  /** y (n, out) = x (n, in) W^T (W is (out, in)) + b. */
  static double[] linear(double[] x, double[] w, double[] b, int n, int in, int out) {
    double[] y = new double[n * out];
    for (int r = 0; r < n; r++) {
      for (int o = 0; o < out; o++) {
        double s = b == null ? 0 : b[o];
        for (int i = 0; i < in; i++) {
          s += x[r * in + i] * w[o * in + i];
        }
        y[r * out + o] = s;
      }
    }
    return y;
  }

  /** Element (i, j) of the (rows, cols) operand; when trans, it is stored as (cols, rows). */
  private static double at(double[] m, int off, boolean trans, int rows, int cols, int i, int j) {
    return trans ? m[off + j * rows + i] : m[off + i * cols + j];
  }

  /** c (batch, m, n) = alpha op(a) op(b); op(a) is (m, k), op(b) is (k, n). */
  static double[] bmm(double[] a, double[] b, int batch, int m, int k, int n, boolean ta, boolean tb, double alpha) {
    double[] c = new double[batch * m * n];
    for (int p = 0; p < batch; p++) {
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double s = 0;
          for (int l = 0; l < k; l++) {
            s += at(a, p * m * k, ta, m, k, i, l) * at(b, p * k * n, tb, k, n, l, j);
          }
          c[p * m * n + i * n + j] = alpha * s;
        }
      }
    }
    return c;
  }

  static double gelu(double x) {
    return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
  }

  static double[] layerNorm(double[] x, double[] w, double[] b, int n, int c, double eps) {
    double[] y = new double[n * c];
    for (int r = 0; r < n; r++) {
      double mean = 0;
      for (int i = 0; i < c; i++) {
        mean += x[r * c + i];
      }
      mean /= c;
      double var = 0;
      for (int i = 0; i < c; i++) {
        double d = x[r * c + i] - mean;
        var += d * d;
      }
      var /= c;
      double rstd = 1 / Math.sqrt(var + eps);
      for (int i = 0; i < c; i++) {
        y[r * c + i] = (x[r * c + i] - mean) * rstd * w[i] + b[i];
      }
    }
    return y;
  }

  /** Row softmax of (rows, cols); with causal, row r of each (cols x cols) block sees columns 0..(r mod cols). */
  static double[] softmax(double[] x, int rows, int cols, boolean causal) {
    double[] y = new double[rows * cols];
    for (int r = 0; r < rows; r++) {
      int limit = causal ? r % cols + 1 : cols;
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < limit; j++) {
        max = Math.max(max, x[r * cols + j]);
      }
      double sum = 0;
      for (int j = 0; j < limit; j++) {
        sum += Math.exp(x[r * cols + j] - max);
      }
      for (int j = 0; j < limit; j++) {
        y[r * cols + j] = Math.exp(x[r * cols + j] - max) / sum;
      }
    }
    return y;
  }

  /** Causal self-attention from qkv rows (T*B, 3*H*hd), sequence-major rows t*B + b; returns (T*B, H*hd). */
  static double[] attention(double[] qkv, int t, int b, int h, int hd) {
    int c = h * hd;
    double[] y = new double[t * b * c];
    double scale = 1 / Math.sqrt(hd);
    for (int bi = 0; bi < b; bi++) {
      for (int hi = 0; hi < h; hi++) {
        for (int i = 0; i < t; i++) {
          int qRow = (i * b + bi) * 3 * c;
          double[] s = new double[i + 1];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j <= i; j++) {
            int kRow = (j * b + bi) * 3 * c;
            double d = 0;
            for (int e = 0; e < hd; e++) {
              d += qkv[qRow + hi * hd + e] * qkv[kRow + c + hi * hd + e];
            }
            s[j] = d * scale;
            max = Math.max(max, s[j]);
          }
          double sum = 0;
          for (int j = 0; j <= i; j++) {
            s[j] = Math.exp(s[j] - max);
            sum += s[j];
          }
          for (int j = 0; j <= i; j++) {
            int vRow = (j * b + bi) * 3 * c;
            for (int e = 0; e < hd; e++) {
              y[(i * b + bi) * c + hi * hd + e] += s[j] / sum * qkv[vRow + 2 * c + hi * hd + e];
            }
          }
        }
      }
    }
    return y;
  }

  /** Mean cross-entropy of logits (n, v) against targets (negative targets are ignored). */
  static double crossEntropy(double[] logits, int[] targets, int n, int v) {
    double total = 0;
    int count = 0;
    for (int r = 0; r < n; r++) {
      if (targets[r] < 0) {
        continue;
      }
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < v; j++) {
        max = Math.max(max, logits[r * v + j]);
      }
      double sum = 0;
      for (int j = 0; j < v; j++) {
        sum += Math.exp(logits[r * v + j] - max);
      }
      total += Math.log(sum) + max - logits[r * v + targets[r]];
      count++;
    }
    return total / count;
  }

  /** out[perm-ordered index] of a row-major tensor with the given dims. */
  static double[] permute(double[] x, long[] dims, int[] perm) {
    int rank = dims.length;
    long[] outDims = new long[rank];
    for (int i = 0; i < rank; i++) {
      outDims[i] = dims[perm[i]];
    }
    long[] inStrides = new long[rank];
    long s = 1;
    for (int i = rank - 1; i >= 0; i--) {
      inStrides[i] = s;
      s *= dims[i];
    }
    double[] out = new double[x.length];
    int[] idx = new int[rank];
    for (int o = 0; o < out.length; o++) {
      long src = 0;
      for (int i = 0; i < rank; i++) {
        src += idx[i] * inStrides[perm[i]];
      }
      out[o] = x[(int) src];
      for (int i = rank - 1; i >= 0; i--) {
        if (++idx[i] < outDims[i]) {
          break;
        }
        idx[i] = 0;
      }
    }
    return out;
  }
}
