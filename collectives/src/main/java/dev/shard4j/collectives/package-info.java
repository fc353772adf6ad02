/**
 * Collective communication for Shard4j: the {@link dev.shard4j.collectives.Communicator} API (all-reduce,
 * all-gather, reduce-scatter, broadcast, reduce, all-to-all, send/recv, barrier, async variants returning
 * {@link dev.shard4j.collectives.Work}, split into sub-groups, abort), the reduction operators
 * {@link dev.shard4j.collectives.ReduceOp}, and the rendezvous {@link dev.shard4j.collectives.Store}. Backends live
 * in sub-packages and register through the SPI in {@link dev.shard4j.collectives.spi}:
 * {@link dev.shard4j.collectives.local} runs the ranks as threads of one JVM on CPU tensors,
 * {@link dev.shard4j.collectives.nccl} runs them on CUDA devices with NCCL. {@link
 * dev.shard4j.collectives.Communicators} creates one rank's communicator with a named or the best available backend
 * from {@link dev.shard4j.collectives.CommunicatorOptions}.
 */
package dev.shard4j.collectives;
