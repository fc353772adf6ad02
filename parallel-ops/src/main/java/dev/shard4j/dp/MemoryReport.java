package dev.shard4j.dp;

/**
 * Bytes one rank holds between training steps for the model's parameters, gradients and optimizer state (buffers
 * that live only inside a step, such as gathered ZeRO-3 parameters, are not included). Immutable.
 */
public record MemoryReport(long parameterBytes, long gradientBytes, long optimizerStateBytes) {
  /** The sum of the three. */
  public long totalBytes() {
    return parameterBytes + gradientBytes + optimizerStateBytes;
  }

  @Override
  public String toString() {
    return String.format("parameters %,d B, gradients %,d B, optimizer state %,d B, total %,d B", parameterBytes,
        gradientBytes, optimizerStateBytes, totalBytes());
  }
}
