package dev.shard4j.autoshard;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.List;

/**
 * How a tensor is laid out on a logical mesh: one placement per mesh axis. Written "S(0)R" (axis 0 shards dim 0,
 * axis 1 replicates); "P" is a pending sum. Immutable; JSON form is the short string.
 */
public record ShardingSpec(List<Placement> placements) {
    public ShardingSpec { placements = List.copyOf(placements); }

    /** One axis's placement: kind S with a tensor dim, R, or P. */
    public record Placement(char kind, int dim) {
        public static final Placement R = new Placement('R', -1);
        public static final Placement P = new Placement('P', -1);

        /** Shard(dim). */
        public static Placement shard(int dim) { return new Placement('S', dim); }

        public boolean isShard() { return kind == 'S'; }

        @Override public String toString() { return kind == 'S' ? "S(" + dim + ")" : String.valueOf(kind); }
    }

    /** Fully replicated spec on a mesh with the given number of axes. */
    public static ShardingSpec replicated(int axes) {
        List<Placement> p = new ArrayList<>();
        for (int i = 0; i < axes; i++) p.add(Placement.R);
        return new ShardingSpec(p);
    }

    /** Placement on mesh axis a. */
    public Placement on(int axis) { return placements.get(axis); }

    /** Parses "S(0)R", "RP", ... */
    @JsonCreator
    public static ShardingSpec parse(String text) {
        List<Placement> p = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == 'R') { p.add(Placement.R); i++; }
            else if (c == 'P') { p.add(Placement.P); i++; }
            else if (c == 'S' && i + 1 < text.length() && text.charAt(i + 1) == '(') {
                int close = text.indexOf(')', i);
                if (close < 0) throw new IllegalArgumentException("bad sharding spec '" + text + "'");
                p.add(Placement.shard(Integer.parseInt(text.substring(i + 2, close))));
                i = close + 1;
            } else {
                throw new IllegalArgumentException("bad sharding spec '" + text + "' at " + i);
            }
        }
        return new ShardingSpec(p);
    }

    @JsonValue
    @Override public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Placement p : placements) sb.append(p);
        return sb.toString();
    }
}
