/**
 * The local backend: ranks are threads of one JVM that read and write each other's CPU tensors directly,
 * synchronized by a generation-counted barrier with timeout and abort. Start with
 * {@link dev.shard4j.collectives.local.LocalCluster#run(int, dev.shard4j.collectives.local.LocalCluster.RankBody)}.
 */
package dev.shard4j.collectives.local;
