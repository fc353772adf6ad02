package dev.shard4j.ray;

import java.io.Serializable;

/**
 * The body of one rank of a job: builds its model on {@link RankContext#communicator()} or
 * {@link RankContext#mesh()}, trains, reports {@link RankContext#progress}, and returns a result. The same function
 * runs as a Ray actor ({@link RayLauncher}) or as a thread ({@link RankContext#runLocal}): only the launcher
 * differs.
 *
 * <p>It travels to the ranks by Java serialization, so it must be serializable (a serializable class, or a lambda
 * assigned to this type capturing only serializable values), and its class must be on the ranks' class path
 * ({@link RayCluster} passes the driver's). It is called once per rank, on a thread of that rank that owns the
 * context's communicator and mesh.
 *
 * @param <R> what a rank returns to the driver (serializable; {@code null} allowed)
 */
@FunctionalInterface
public interface RankFunction<R extends Serializable> extends Serializable {
  /** Runs this rank; an exception fails the job, naming this rank and the exception. */
  R run(RankContext context) throws Exception;
}
