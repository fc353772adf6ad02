/**
 * The TCP backend: ranks are processes on one or many hosts (or threads of one JVM, see
 * {@link dev.shard4j.collectives.tcp.TcpCluster}) connected by a full mesh of authenticated TCP connections.
 * {@link dev.shard4j.collectives.tcp.TcpCommunicator} implements the collectives;
 * {@link dev.shard4j.collectives.tcp.TcpStore} / {@link dev.shard4j.collectives.tcp.TcpStoreServer} are the
 * rendezvous store; {@link dev.shard4j.collectives.tcp.ProcessLauncher} starts a job's processes with a fresh job
 * token. See {@code docs/collectives-tcp.md}.
 */
package dev.shard4j.collectives.tcp;
