/**
 * Collective communication for Shard4j: the {@link dev.shard4j.collectives.Communicator} API (all-reduce,
 * all-gather, reduce-scatter, broadcast, reduce, all-to-all, send/recv, barrier, async variants returning
 * {@link dev.shard4j.collectives.Work}, split into sub-groups, abort), the reduction operators
 * {@link dev.shard4j.collectives.ReduceOp}, and the rendezvous {@link dev.shard4j.collectives.Store}. Backends live
 * in sub-packages; {@link dev.shard4j.collectives.local} runs the ranks as threads of one JVM.
 */
package dev.shard4j.collectives;
