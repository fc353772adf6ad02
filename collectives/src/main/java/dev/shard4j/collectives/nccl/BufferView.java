package dev.shard4j.collectives.nccl;

import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Device;
import dev.shard4j.tensor.Tensor;

/**
 * What {@link NcclCallValidator} needs to know about one tensor argument, read once from the tensor: its device,
 * dtype, element count, data address, contiguity and whether it is closed. Argument checks run on views so that
 * they can be tested with views of devices that this machine does not have. Immutable.
 *
 * @param device where the memory lives
 * @param dtype element type
 * @param numel number of elements
 * @param address address of the first element (0 for a closed tensor)
 * @param contiguous true when the elements are dense in row-major order
 * @param closed true when the tensor was closed
 * @param description a short text for messages, like {@code Tensor.describe()}
 */
record BufferView(Device device, DType dtype, long numel, long address, boolean contiguous, boolean closed,
    String description) {

  /** The view of {@code t}, or null for a null tensor. */
  static BufferView of(Tensor t) {
    if (t == null) {
      return null;
    }
    if (t.isClosed()) {
      return new BufferView(t.device(), t.dtype(), 0, 0, true, true, "closed tensor");
    }
    return new BufferView(t.device(), t.dtype(), t.numel(), t.dataAddress(), t.isContiguous(), false, t.describe());
  }

  /** Bytes spanned by the elements. */
  long bytes() {
    return numel * dtype.byteSize();
  }
}
