package dev.shard4j.layers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shard4j.tensor.DType;
import dev.shard4j.tensor.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads and writes named tensors in the safetensors layout, so PyTorch and other tools can exchange weights,
 * gradients and batches with Shard4j: an 8-byte little-endian header length, a JSON header mapping each name to
 * {@code {"dtype": "F32"|"I32", "shape": [...], "data_offsets": [begin, end]}} (byte offsets into the data section)
 * plus an optional {@code "__metadata__"} map of strings, then the little-endian data. F32 and I32 tensors only.
 * Stateless; any thread.
 */
public final class SafeTensors {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SafeTensors() {}

  /** The tensors of a file and its metadata. Tensors belong to the caller (or the scope open while reading). */
  public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

  /** Writes {@code tensors} (contiguous or not, F32 or I32, any device) in name order as given, with metadata. */
  public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
    ObjectNode header = JSON.createObjectNode();
    if (metadata != null && !metadata.isEmpty()) {
      ObjectNode meta = header.putObject("__metadata__");
      metadata.forEach(meta::put);
    }
    long offset = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      Tensor t = e.getValue();
      if (t.dtype() != DType.F32 && t.dtype() != DType.I32) {
        throw new IllegalArgumentException("SafeTensors.write: " + e.getKey() + " is " + t.describe()
            + ", only f32 and i32 are supported");
      }
      ObjectNode n = header.putObject(e.getKey());
      n.put("dtype", t.dtype() == DType.F32 ? "F32" : "I32");
      var shape = n.putArray("shape");
      for (long d : t.shape().toArray()) {
        shape.add(d);
      }
      var offsets = n.putArray("data_offsets");
      offsets.add(offset);
      offset += t.numel() * 4;
      offsets.add(offset);
    }
    byte[] head = JSON.writeValueAsBytes(header);
    try (OutputStream out = Files.newOutputStream(file)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(head.length);
      out.write(len.array());
      out.write(head);
      for (Tensor t : tensors.values()) {
        ByteBuffer buf = ByteBuffer.allocate((int) t.numel() * 4).order(ByteOrder.LITTLE_ENDIAN);
        if (t.dtype() == DType.F32) {
          buf.asFloatBuffer().put(t.toFloatArray());
        } else {
          buf.asIntBuffer().put(t.toIntArray());
        }
        out.write(buf.array());
      }
    }
  }

  /** Reads every tensor of {@code file} onto the CPU. */
  public static Contents read(Path file) throws IOException {
    byte[] all = Files.readAllBytes(file);
    ByteBuffer bb = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
    long headLen = bb.getLong(0);
    if (headLen < 2 || 8 + headLen > all.length) {
      throw new IOException("SafeTensors.read: " + file + " has a bad header length " + headLen);
    }
    JsonNode header = JSON.readTree(new String(all, 8, (int) headLen, StandardCharsets.UTF_8));
    int base = 8 + (int) headLen;
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    Map<String, String> meta = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = header.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("__metadata__")) {
        e.getValue().fields().forEachRemaining(m -> meta.put(m.getKey(), m.getValue().asText()));
        continue;
      }
      JsonNode n = e.getValue();
      String dtype = n.get("dtype").asText();
      long[] shape = new long[n.get("shape").size()];
      long numel = 1;
      for (int i = 0; i < shape.length; i++) {
        shape[i] = n.get("shape").get(i).asLong();
        numel *= shape[i];
      }
      long begin = n.get("data_offsets").get(0).asLong();
      long end = n.get("data_offsets").get(1).asLong();
      if (end - begin != numel * 4 || base + end > all.length) {
        throw new IOException("SafeTensors.read: " + e.getKey() + " in " + file + " has offsets [" + begin + ", "
            + end + ") for " + numel + " elements of " + dtype);
      }
      ByteBuffer data = ByteBuffer.wrap(all, base + (int) begin, (int) (end - begin)).slice()
          .order(ByteOrder.LITTLE_ENDIAN);
      if (dtype.equals("F32")) {
        float[] f = new float[(int) numel];
        data.asFloatBuffer().get(f);
        tensors.put(e.getKey(), Tensor.fromArray(f, shape));
      } else if (dtype.equals("I32")) {
        int[] v = new int[(int) numel];
        data.asIntBuffer().get(v);
        tensors.put(e.getKey(), Tensor.fromIntArray(v, shape));
      } else {
        throw new IOException("SafeTensors.read: " + e.getKey() + " in " + file + " has unsupported dtype " + dtype);
      }
    }
    return new Contents(tensors, meta);
  }
}
