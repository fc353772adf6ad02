package dev.shard4j.ray;

import io.ray.api.ActorHandle;
import io.ray.api.ObjectRef;
import io.ray.api.PlacementGroups;
import io.ray.api.Ray;
import io.ray.api.exception.RayActorException;
import io.ray.api.exception.RayException;
import io.ray.api.exception.RayTimeoutException;
import io.ray.api.options.PlacementGroupCreationOptions;
import io.ray.api.placementgroup.PlacementGroup;
import io.ray.api.placementgroup.PlacementStrategy;
import java.io.Serializable;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A job started by {@link RayLauncher#submit}: its ranks are running as actors. {@link #await()} watches them (a
 * status poll of every rank every {@code pollInterval}), hands progress to the listener, and returns the results;
 * {@link #close()} kills the actors and releases the placement group.
 *
 * <p><b>Failures.</b> A rank fails when its function throws, when its actor or node dies (Ray fails the poll with
 * {@link RayActorException}, within about a second of the death), or when it does not answer a poll within
 * {@code pollTimeout}. The driver then aborts every other rank's communicator (their blocked collectives fail at
 * once, no hang), polls once more to collect their errors, and throws {@link RankFailedException} naming the rank
 * held responsible: a dead actor before a rank whose function threw, and that before a rank that only saw its
 * communicator fail.
 *
 * <p>Used by one thread; {@link #close()} may be called from another to tear the job down.
 *
 * @param <R> what each rank returns
 */
public final class RayJob<R extends Serializable> implements AutoCloseable {
  private static final long ABORT_WAIT_MS = 5000;
  private static final System.Logger LOG = System.getLogger("dev.shard4j.ray");

  private final RayLauncher launcher;
  private final PlacementGroup group;
  private final List<ActorHandle<RankActor>> actors;
  private final List<RankInfo> ranks;
  private volatile boolean closed;

  private RayJob(RayLauncher launcher, PlacementGroup group, List<ActorHandle<RankActor>> actors,
      List<RankInfo> ranks) {
    this.launcher = launcher;
    this.group = group;
    this.actors = actors;
    this.ranks = List.copyOf(ranks);
  }

  static <R extends Serializable> RayJob<R> start(RayLauncher l, byte[] function) {
    long t0 = System.nanoTime();
    PlacementGroup group = reserve(l);
    long reserved = System.nanoTime();
    List<ActorHandle<RankActor>> actors = new ArrayList<>();
    try {
      for (int r = 0; r < l.ranks; r++) {
        var creator = Ray.actor(RankActor::new).setPlacementGroup(group, r).setResource("CPU", l.cpusPerRank)
            .setMaxRestarts(0).setJvmOptions(l.jvmOptions);
        if (l.gpusPerRank > 0) {
          creator.setResource("GPU", l.gpusPerRank);
        }
        actors.add(creator.remote());
      }
      long startMs = l.startTimeout.toMillis();
      List<ObjectRef<String>> described = new ArrayList<>();
      actors.forEach(a -> described.add(a.task(RankActor::describe).remote()));
      List<RankInfo> infos = new ArrayList<>();
      for (int r = 0; r < l.ranks; r++) {
        String[] d = getOrFail(described.get(r), startMs, "start the actor of rank " + r, l).split("\t");
        infos.add(new RankInfo(r, d[0], Long.parseLong(d[1]), actors.get(r).getId().toString()));
      }
      long actorsUp = System.nanoTime();
      String token = HexFormat.of().formatHex(randomBytes());
      String store = getOrFail(actors.get(0).task(RankActor::hostStore, token).remote(), startMs,
          "host the rendezvous store on rank 0", l);
      List<ObjectRef<Boolean>> started = new ArrayList<>();
      for (int r = 0; r < l.ranks; r++) {
        Wire.StartRequest req = new Wire.StartRequest(r, l.ranks, store, token, infos.get(r).nodeAddress(), function,
            l.meshShape, l.axisNames, l.gpusPerRank > 0 ? "cuda" : "cpu", l.collectiveTimeout.toMillis(),
            l.threadsPerRank);
        started.add(actors.get(r).task(RankActor::start, Wire.toBytes(req, "start request")).remote());
      }
      for (int r = 0; r < l.ranks; r++) {
        getOrFail(started.get(r), startMs, "start rank " + r, l);
      }
      LOG.log(System.Logger.Level.DEBUG, () -> String.format("%s: placement group in %d ms, actors up in %d ms,"
          + " ranks started in %d ms: %s", l, (reserved - t0) / 1_000_000, (actorsUp - reserved) / 1_000_000,
          (System.nanoTime() - actorsUp) / 1_000_000, infos));
      return new RayJob<>(l, group, actors, infos);
    } catch (RuntimeException | Error e) {
      actors.forEach(RayJob::killQuietly);
      PlacementGroups.removePlacementGroup(group.getId());
      throw e;
    }
  }

  /** Where each rank runs, by rank. */
  public List<RankInfo> ranks() {
    return ranks;
  }

  /**
   * Waits for every rank to finish, handing their progress reports to the launcher's listener, and returns their
   * results by rank.
   *
   * @throws RankFailedException when a rank fails (after the others were aborted; see the class comment)
   */
  public List<R> await() {
    int n = ranks.size();
    int[] since = new int[n];
    byte[][] results = new byte[n][];
    Map<Integer, Failure> failures = new LinkedHashMap<>();
    while (true) {
      if (closed) {
        throw new IllegalStateException("RayJob.await: the job was closed");
      }
      pollAll(since, results, failures, launcher.pollTimeout.toMillis());
      if (!failures.isEmpty()) {
        throw fail(since, results, failures);
      }
      boolean done = true;
      for (byte[] r : results) {
        done &= r != null;
      }
      if (done) {
        List<R> out = new ArrayList<>();
        for (int r = 0; r < n; r++) {
          @SuppressWarnings("unchecked")
          R value = (R) Wire.fromBytes(results[r], "the result of rank " + r);
          out.add(value);
        }
        return out;
      }
      try {
        Thread.sleep(launcher.pollInterval.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        abortAll("the driver was interrupted");
        throw new IllegalStateException("RayJob.await: interrupted; the ranks were aborted", e);
      }
    }
  }

  /** Kills every actor of the job and releases its placement group. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    actors.forEach(RayJob::killQuietly);
    try {
      PlacementGroups.removePlacementGroup(group.getId());
    } catch (RayException e) {
      // the cluster is going away; nothing left to release
    }
  }

  @Override
  public String toString() {
    return "RayJob" + ranks;
  }

  /** Why one rank failed; {@code severity} orders root causes first (0: dead, 1: threw, 2: saw a peer fail). */
  private record Failure(int rank, int severity, String reason) {}

  private void pollAll(int[] since, byte[][] results, Map<Integer, Failure> failures, long timeoutMs) {
    int n = ranks.size();
    List<ObjectRef<byte[]>> refs = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      refs.add(results[r] != null || failures.containsKey(r) ? null
          : actors.get(r).task(RankActor::poll, since[r]).remote());
    }
    for (int r = 0; r < n; r++) {
      if (refs.get(r) == null) {
        continue;
      }
      Wire.Status s;
      try {
        s = (Wire.Status) Wire.fromBytes(Ray.get(refs.get(r), timeoutMs), "the status of rank " + r);
      } catch (RayActorException e) {
        failures.put(r, new Failure(r, 0, "its actor died (" + ranks.get(r) + "): " + firstLine(e)));
        continue;
      } catch (RayTimeoutException e) {
        failures.put(r, new Failure(r, 0, "it did not answer a status poll within " + timeoutMs + " ms ("
            + ranks.get(r) + ")"));
        continue;
      } catch (RayException e) {
        failures.put(r, new Failure(r, 0, "its status poll failed (" + ranks.get(r) + "): " + firstLine(e)));
        continue;
      }
      for (Progress p : s.events()) {
        launcher.progress.onProgress(p);
      }
      since[r] += s.events().size();
      if (s.state() == Wire.State.SUCCEEDED) {
        results[r] = s.result();
      } else if (s.state() == Wire.State.FAILED) {
        failures.put(r, new Failure(r, s.communicatorFailure() ? 2 : 1, s.error().strip()));
      }
    }
  }

  private RankFailedException fail(int[] since, byte[][] results, Map<Integer, Failure> failures) {
    Failure first = failures.values().iterator().next();
    abortAll("rank " + first.rank() + " failed");
    // Give the aborted ranks a moment to record their own errors: a rank that threw on its own is a better culprit
    // than one whose collective was aborted.
    long deadline = System.currentTimeMillis() + ABORT_WAIT_MS;
    while (System.currentTimeMillis() < deadline && !allSettled(results, failures)) {
      pollAll(since, results, failures, Math.max(1, deadline - System.currentTimeMillis()));
      if (!allSettled(results, failures)) {
        sleepQuietly(100);
      }
    }
    Failure culprit = failures.values().stream()
        .min((a, b) -> a.severity() != b.severity() ? Integer.compare(a.severity(), b.severity())
            : Integer.compare(a.rank(), b.rank()))
        .orElseThrow();
    List<String> lines = new ArrayList<>();
    lines.add("rank " + culprit.rank() + ": " + firstLine(culprit.reason()));
    failures.values().stream().filter(f -> f != culprit).sorted((a, b) -> Integer.compare(a.rank(), b.rank()))
        .forEach(f -> lines.add("rank " + f.rank() + ": " + firstLine(f.reason())));
    close();
    return new RankFailedException(culprit.rank(), culprit.reason(), lines);
  }

  private boolean allSettled(byte[][] results, Map<Integer, Failure> failures) {
    for (int r = 0; r < results.length; r++) {
      if (results[r] == null && !failures.containsKey(r)) {
        return false;
      }
    }
    return true;
  }

  private void abortAll(String reason) {
    List<ObjectRef<Boolean>> refs = new ArrayList<>();
    for (ActorHandle<RankActor> a : actors) {
      try {
        refs.add(a.task(RankActor::abort, reason).remote());
      } catch (RayException e) {
        // a dead actor needs no abort
      }
    }
    for (ObjectRef<Boolean> ref : refs) {
      try {
        Ray.get(ref, ABORT_WAIT_MS);
      } catch (RayException e) {
        // dead or stuck: close() kills it
      }
    }
  }

  private static <T> T getOrFail(ObjectRef<T> ref, long timeoutMs, String what, RayLauncher l) {
    try {
      return Ray.get(ref, timeoutMs);
    } catch (RayTimeoutException e) {
      throw new IllegalStateException("RayLauncher: could not " + what + " within " + timeoutMs + " ms (" + l
          + "); does the cluster have the resources and a Java worker for it?", e);
    } catch (RayException e) {
      throw new IllegalStateException("RayLauncher: could not " + what + " (" + l + "): " + firstLine(e), e);
    }
  }

  private static PlacementGroup reserve(RayLauncher l) {
    Map<String, Double> bundle = new LinkedHashMap<>();
    bundle.put("CPU", l.cpusPerRank);
    if (l.gpusPerRank > 0) {
      bundle.put("GPU", l.gpusPerRank);
    }
    List<Map<String, Double>> bundles = new ArrayList<>();
    for (int r = 0; r < l.ranks; r++) {
      bundles.add(bundle);
    }
    PlacementGroup group = PlacementGroups.createPlacementGroup(new PlacementGroupCreationOptions.Builder()
        .setBundles(bundles).setStrategy(PlacementStrategy.valueOf(l.placement.name())).build());
    int seconds = (int) Math.max(1, l.startTimeout.toSeconds());
    if (!group.wait(seconds)) {
      PlacementGroups.removePlacementGroup(group.getId());
      throw new IllegalStateException("RayLauncher: could not reserve " + l.ranks + " bundles of " + bundle + " ("
          + l.placement + ") within " + seconds + " s on " + l.cluster.address() + "; the cluster's nodes offer "
          + nodeResources());
    }
    return group;
  }

  private static String nodeResources() {
    List<String> out = new ArrayList<>();
    Ray.getRuntimeContext().getAllNodeInfo().stream().filter(n -> n.isAlive)
        .forEach(n -> out.add(n.nodeAddress + " " + n.resources));
    return out.toString();
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return b;
  }

  private static void killQuietly(ActorHandle<RankActor> actor) {
    try {
      actor.kill(true);
    } catch (RayException e) {
      // already gone
    }
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String firstLine(Throwable e) {
    return firstLine(String.valueOf(e.getMessage() == null ? e.toString() : e.getMessage()));
  }

  private static String firstLine(String s) {
    String t = s.strip();
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl);
  }
}
