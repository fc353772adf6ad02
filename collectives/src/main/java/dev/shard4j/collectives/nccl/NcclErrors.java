package dev.shard4j.collectives.nccl;

import dev.shard4j.collectives.CommunicatorException;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.nccl;
import org.bytedeco.cuda.nccl.ncclComm;
import org.bytedeco.javacpp.BytePointer;

/** The one place where NCCL and CUDA runtime status codes become {@link CommunicatorException}s. Stateless. */
final class NcclErrors {
  private NcclErrors() {}

  /** The name of an {@code ncclResult_t}. */
  static String resultName(int result) {
    return switch (result) {
      case 0 -> "ncclSuccess";
      case 1 -> "ncclUnhandledCudaError";
      case 2 -> "ncclSystemError";
      case 3 -> "ncclInternalError";
      case 4 -> "ncclInvalidArgument";
      case 5 -> "ncclInvalidUsage";
      case 6 -> "ncclRemoteError";
      case 7 -> "ncclInProgress";
      default -> "ncclResult " + result;
    };
  }

  /**
   * The exception for a failed NCCL call: {@code context} (operation and rank), the call, the result name, NCCL's
   * text for it and, when {@code comm} is known, NCCL's last error message for that communicator.
   */
  static CommunicatorException nccl(String context, String call, int result, ncclComm comm) {
    StringBuilder b = new StringBuilder(context).append(": ").append(call).append(" returned ")
        .append(resultName(result));
    BytePointer text = nccl.ncclGetErrorString(result);
    if (text != null && !text.isNull()) {
      b.append(" (").append(text.getString()).append(')');
    }
    BytePointer last = nccl.ncclGetLastError(comm);
    if (last != null && !last.isNull() && !last.getString().isBlank()) {
      b.append(": ").append(last.getString().trim());
    }
    return new CommunicatorException(b.toString());
  }

  /** Throws {@link #nccl} unless {@code result} is {@code ncclSuccess}. */
  static void checkNccl(int result, String context, String call, ncclComm comm) {
    if (result != nccl.ncclSuccess) {
      throw nccl(context, call, result, comm);
    }
  }

  /** The exception for a failed CUDA runtime call. */
  static CommunicatorException cuda(String context, String call, int error) {
    return new CommunicatorException(context + ": " + call + " failed: " + cudart.cudaGetErrorString(error).getString()
        + " (cudaError " + error + ")");
  }

  /** Throws {@link #cuda} unless {@code error} is {@code cudaSuccess}. */
  static void checkCuda(int error, String context, String call) {
    if (error != cudart.cudaSuccess) {
      throw cuda(context, call, error);
    }
  }
}
