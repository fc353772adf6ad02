package dev.shard4j.ray;

/**
 * Where one rank of a running job lives. Immutable.
 *
 * @param rank the rank
 * @param nodeAddress the IP address of the Ray node running its actor (its TCP peers connect to it there)
 * @param pid the process id of its actor's JVM on that node
 * @param actorId Ray's id of its actor
 */
public record RankInfo(int rank, String nodeAddress, long pid, String actorId) {
  @Override
  public String toString() {
    return "rank " + rank + " (actor " + actorId + ", node " + nodeAddress + ", pid " + pid + ")";
  }
}
