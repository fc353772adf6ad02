/**
 * Distributed tensors: {@link dev.shard4j.dist.DeviceMesh} (ranks in an n-dimensional array with named axes, one
 * sub-communicator per axis), {@link dev.shard4j.dist.Placement} ({@code S(dim)}, {@code R}, {@code P}),
 * {@link dev.shard4j.dist.DTensor} (a local shard plus global shape, mesh and placements) and redistribution between
 * placements, planned by {@link dev.shard4j.dist.RedistributePlanner} as steps that each issue one collective. The
 * shard layout convention is in {@link dev.shard4j.dist.ShardLayout}; {@code docs/dtensor.md} has the transition
 * table.
 */
package dev.shard4j.dist;
