package dev.shard4j.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shard4j.collectives.ReduceOp;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Placement values: short names, parsing (short and long forms), equality, predicates and errors. */
class PlacementTest {

  @Test
  void shortNamesRoundTrip() {
    for (Placement p : List.of(Placement.shard(0), Placement.shard(3), Placement.replicate(), Placement.partial(),
        Placement.partial(ReduceOp.AVG), Placement.partial(ReduceOp.MAX), Placement.partial(ReduceOp.MIN))) {
      assertEquals(p, Placement.parse(p.toString()), p.toString());
    }
    assertEquals("S(2)", Placement.shard(2).toString());
    assertEquals("R", Placement.replicate().toString());
    assertEquals("P", Placement.partial().toString());
    assertEquals("P(max)", Placement.partial(ReduceOp.MAX).toString());
  }

  @Test
  void longNamesAndListsParse() {
    assertEquals(Placement.shard(1), Placement.parse(" Shard( 1 ) "));
    assertEquals(Placement.replicate(), Placement.parse("Replicate()"));
    assertEquals(Placement.partial(), Placement.parse("Partial"));
    assertEquals(Placement.partial(), Placement.parse("P(sum)"));
    assertEquals(Placement.partial(ReduceOp.AVG), Placement.parse("Partial(avg)"));
    assertEquals(List.of(Placement.shard(0), Placement.replicate(), Placement.partial(ReduceOp.MIN)),
        Placement.parseList("[S(0), R, P(min)]"));
    assertEquals("[S(0), P]", Placement.parseList("S(0),P").toString());
  }

  @Test
  void valuesAndPredicates() {
    assertEquals(Placement.shard(1), new Placement.Shard(1));
    assertEquals(Placement.shard(1).hashCode(), new Placement.Shard(1).hashCode());
    assertNotEquals(Placement.shard(0), Placement.shard(1));
    assertNotEquals(Placement.partial(), Placement.partial(ReduceOp.MAX));
    assertTrue(Placement.shard(1).isShard(1));
    assertFalse(Placement.shard(1).isShard(0));
    assertTrue(Placement.replicate().isReplicate());
    assertTrue(Placement.partial().isPartial());
    assertFalse(Placement.partial().isShard());
  }

  @Test
  void badInputIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Placement.parse("S(x)"));
    assertTrue(e.getMessage().contains("'x'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Placement.parse("Q"));
    assertTrue(e.getMessage().contains("'Q' is not a placement"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Placement.parse("P(prod)"));
    assertTrue(e.getMessage().contains("SUM, AVG, MAX or MIN"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Placement.parse("P(mean)"));
    assertTrue(e.getMessage().contains("unknown reduction 'mean'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Placement.shard(-1));
    assertTrue(e.getMessage().contains("got -1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Placement.parseList("S(0),,R"));
    assertTrue(e.getMessage().contains("empty entry"), e.getMessage());
  }
}
