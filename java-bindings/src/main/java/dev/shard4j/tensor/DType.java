package dev.shard4j.tensor;

/**
 * Element type of a tensor. The numeric {@link #code()} is part of the native ABI ({@code enum s4j_dtype}).
 * BF16 is storage only: kernels widen it to fp32, accumulate in fp32 and round back on store.
 */
public enum DType {
  /** IEEE 754 single precision. */
  F32(0, 4),
  /** bfloat16: the upper 16 bits of an fp32, rounded to nearest even. */
  BF16(1, 2),
  /** 32-bit signed integer: token ids, targets and indices (not accepted by floating-point kernels). */
  I32(2, 4);

  private final int code;
  private final int byteSize;

  DType(int code, int byteSize) {
    this.code = code;
    this.byteSize = byteSize;
  }

  /** The value of {@code enum s4j_dtype} passed to native kernels. */
  public int code() {
    return code;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** Rounds an fp32 value to bf16 bits (nearest even; NaN stays NaN), as the native kernels do. */
  public static short toBf16(float value) {
    int bits = Float.floatToRawIntBits(value);
    if ((bits & 0x7fffffff) > 0x7f800000) {
      return (short) ((bits >>> 16) | 0x40);
    }
    bits += 0x7fff + ((bits >>> 16) & 1);
    return (short) (bits >>> 16);
  }

  /** Widens bf16 bits to the fp32 value they encode (exact). */
  public static float fromBf16(short bits) {
    return Float.intBitsToFloat((bits & 0xffff) << 16);
  }
}
