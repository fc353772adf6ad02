/**
 * Runs the ranks of a Shard4j job as Ray actors. {@link dev.shard4j.ray.RayCluster} connects a driver JVM to a
 * running Ray cluster; {@link dev.shard4j.ray.RayLauncher} reserves a placement group, starts one
 * {@link dev.shard4j.ray.RankActor} per bundle, lets the ranks find each other (a TCP store hosted by rank 0, whose
 * address and the job's secret token travel through Ray), builds each rank's communicator and
 * {@link dev.shard4j.dist.DeviceMesh}, runs the same {@link dev.shard4j.ray.RankFunction} that
 * {@link dev.shard4j.ray.RankContext#runLocal} runs on threads, streams {@link dev.shard4j.ray.Progress} back to
 * the driver, and turns a dead actor or a failed rank into a {@link dev.shard4j.ray.RankFailedException} after
 * aborting the other ranks. See {@code docs/ray.md}.
 */
package dev.shard4j.ray;
