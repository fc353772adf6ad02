package dev.shard4j.pipeline;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A pipeline schedule as data: for each of {@code stages} pipeline ranks, the list of instructions it runs in one
 * training step over {@code microBatches} micro-batches, with {@code chunks} model chunks per rank (virtual stage
 * {@code chunk * stages + rank}). Produced by {@link Schedules}; run by {@link PipelineExecutor}. Immutable; any
 * thread.
 */
public final class Schedule {
  private final String name;
  private final int stages;
  private final int chunks;
  private final int microBatches;
  private final List<List<Instruction>> perRank;

  /** A schedule named {@code name}; {@code perRank.get(r)} is rank r's program (copied). */
  public Schedule(String name, int stages, int chunks, int microBatches, List<List<Instruction>> perRank) {
    if (stages < 1 || chunks < 1 || microBatches < 1) {
      throw new IllegalArgumentException("Schedule " + name + ": stages=" + stages + " chunks=" + chunks
          + " microBatches=" + microBatches + " must all be >= 1");
    }
    if (perRank.size() != stages) {
      throw new IllegalArgumentException("Schedule " + name + ": " + perRank.size() + " programs for " + stages
          + " stages");
    }
    this.name = name;
    this.stages = stages;
    this.chunks = chunks;
    this.microBatches = microBatches;
    List<List<Instruction>> copy = new ArrayList<>();
    perRank.forEach(p -> copy.add(List.copyOf(p)));
    this.perRank = Collections.unmodifiableList(copy);
  }

  /** The schedule's name, e.g. {@code 1f1b}. */
  public String name() {
    return name;
  }

  /** Number of pipeline ranks. */
  public int stages() {
    return stages;
  }

  /** Model chunks per rank (1 unless interleaved). */
  public int chunks() {
    return chunks;
  }

  /** Number of micro-batches per step. */
  public int microBatches() {
    return microBatches;
  }

  /** Number of virtual stages: {@code stages * chunks}. */
  public int virtualStages() {
    return stages * chunks;
  }

  /** The virtual stage that chunk {@code chunk} of rank {@code rank} holds. */
  public int virtualStage(int rank, int chunk) {
    return chunk * stages + rank;
  }

  /** Rank {@code rank}'s instructions, in order (unmodifiable). */
  public List<Instruction> program(int rank) {
    return perRank.get(rank);
  }

  /** The bubble fraction of an ideal run (equal forward/backward times, free communication): (p-1)/(v*m). */
  public double theoreticalBubble() {
    return (stages - 1) / (double) (chunks * microBatches);
  }

  @Override
  public String toString() {
    return "Schedule(" + name + ", p=" + stages + ", v=" + chunks + ", m=" + microBatches + ")";
  }
}
