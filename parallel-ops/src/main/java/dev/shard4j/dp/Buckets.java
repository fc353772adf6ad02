package dev.shard4j.dp;

import dev.shard4j.autograd.Parameter;
import java.util.ArrayList;
import java.util.List;

/**
 * Groups parameters into gradient buckets as PyTorch's DDP reducer does: in reverse registration order (backward
 * produces the last layers' gradients first), starting a new bucket before one would exceed the byte cap (a single
 * parameter larger than the cap gets a bucket of its own). Stateless.
 */
public final class Buckets {
  /** PyTorch DDP's default bucket cap: 25 MiB. */
  public static final long DEFAULT_BUCKET_BYTES = 25L << 20;

  private Buckets() {}

  /** The buckets of {@code params} (in registration order) under {@code capBytes}, each listing its own reversed. */
  public static List<List<Parameter>> reverseOrder(List<Parameter> params, long capBytes) {
    if (capBytes <= 0) {
      throw new IllegalArgumentException("Buckets: capacity must be > 0 bytes, got " + capBytes);
    }
    List<List<Parameter>> buckets = new ArrayList<>();
    List<Parameter> current = new ArrayList<>();
    long bytes = 0;
    for (int i = params.size() - 1; i >= 0; i--) {
      Parameter p = params.get(i);
      long b = p.value().numel() * p.value().dtype().byteSize();
      if (!current.isEmpty() && bytes + b > capBytes) {
        buckets.add(List.copyOf(current));
        current.clear();
        bytes = 0;
      }
      current.add(p);
      bytes += b;
    }
    if (!current.isEmpty()) {
      buckets.add(List.copyOf(current));
    }
    return buckets;
  }
}
