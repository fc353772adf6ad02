/**
 * The NCCL backend: {@link dev.shard4j.collectives.nccl.NcclCommunicator} runs the
 * {@link dev.shard4j.collectives.Communicator} operations on CUDA tensors with NCCL through the JavaCPP CUDA presets,
 * one CUDA stream per communicator; {@link dev.shard4j.collectives.nccl.NcclBackend} registers it as the
 * {@code nccl} backend. Argument checks are plain Java and run before any native call.
 */
package dev.shard4j.collectives.nccl;
