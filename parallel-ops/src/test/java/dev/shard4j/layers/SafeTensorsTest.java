package dev.shard4j.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shard4j.tensor.Scope;
import dev.shard4j.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
  @TempDir
  Path dir;

  @Test
  void roundTripsF32AndI32WithMetadataInTheDocumentedLayout() throws IOException {
    Path f = dir.resolve("t.safetensors");
    try (Scope s = Scope.open()) {
      Map<String, Tensor> in = new LinkedHashMap<>();
      in.put("w", Tensor.fromArray(new float[] {1.5f, -2f, 3f, 0.25f, 5f, 6f}, 2, 3));
      in.put("ids", Tensor.fromIntArray(new int[] {7, -100}, 2));
      SafeTensors.write(f, in, Map.of("layers", "2"));
      byte[] raw = Files.readAllBytes(f);
      long headLen = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getLong();
      String header = new String(raw, 8, (int) headLen, StandardCharsets.UTF_8);
      assertEquals("{\"__metadata__\":{\"layers\":\"2\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],"
          + "\"data_offsets\":[0,24]},\"ids\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[24,32]}}", header);
      assertEquals(8 + headLen + 32, raw.length);
      assertEquals(1.5f, ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getFloat(8 + (int) headLen));
      SafeTensors.Contents c = SafeTensors.read(f);
      assertEquals(Map.of("layers", "2"), c.metadata());
      assertArrayEquals(in.get("w").toFloatArray(), c.tensors().get("w").toFloatArray());
      assertEquals(in.get("w").shape(), c.tensors().get("w").shape());
      assertArrayEquals(new int[] {7, -100}, c.tensors().get("ids").toIntArray());
    }
  }

  @Test
  void truncatedFilesAreRejected() throws IOException {
    Path f = dir.resolve("bad.safetensors");
    Files.write(f, new byte[] {100, 0, 0, 0, 0, 0, 0, 0, '{'});
    IOException e = assertThrows(IOException.class, () -> SafeTensors.read(f));
    assertEquals(true, e.getMessage().contains("bad header length"), e.getMessage());
  }
}
