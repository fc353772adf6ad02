package dev.shard4j.autoshard;

/** A solved intra-op problem: chosen strategy index per node, objective (seconds per micro-batch), memory (bytes). */
public record IntraOpSolution(int[] choice, double cost, double memory) {}
