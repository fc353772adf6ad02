package dev.shard4j.ray;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.CommunicatorException;
import dev.shard4j.collectives.CommunicatorOptions;
import dev.shard4j.collectives.Communicators;
import dev.shard4j.collectives.tcp.TcpCommunicator;
import dev.shard4j.collectives.tcp.TcpOptions;
import dev.shard4j.collectives.tcp.TcpStore;
import dev.shard4j.collectives.tcp.TcpStoreServer;
import dev.shard4j.dist.DeviceMesh;
import dev.shard4j.tensor.CpuRuntime;
import dev.shard4j.tensor.Device;
import io.ray.api.Ray;
import io.ray.api.runtimecontext.NodeInfo;
import java.io.PrintWriter;
import java.io.Serializable;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One rank of a job, living in its own JVM as a Ray actor; created and driven only by {@link RayLauncher}. Its
 * calls run one at a time on Ray's actor thread and return quickly: {@link #start} runs the rank on a thread of
 * its own, and {@link #poll} reports its state and progress, so the driver can watch every rank (and abort them)
 * while they train. Public only because Ray instantiates it by reflection.
 */
public final class RankActor {
  private final List<Progress> events = new ArrayList<>();
  private volatile Wire.State state = Wire.State.IDLE;
  private volatile byte[] result;
  private volatile String error;
  private volatile boolean communicatorFailure;
  private volatile Communicator communicator;
  private volatile boolean aborted;
  private TcpStoreServer storeServer;

  /** Called by Ray when the actor starts. */
  public RankActor() {}

  /** This actor's node address and process id, tab-separated. */
  public String describe() {
    return nodeAddress() + "\t" + ProcessHandle.current().pid();
  }

  /**
   * Starts the job's rendezvous store on this node (an ephemeral port of the node's address, accepting only
   * clients proving {@code token}) and returns its {@code host:port}. Called on rank 0 only.
   */
  public String hostStore(String token) {
    if (storeServer != null) {
      throw new IllegalStateException("RankActor.hostStore: this rank already hosts a store at "
          + storeServer.address());
    }
    String host = nodeAddress();
    storeServer = TcpStoreServer.start(host, 0, token);
    return host + ":" + storeServer.port();
  }

  /** Starts running the rank described by {@code request} (a serialized start request) on a new thread. */
  public Boolean start(byte[] request) {
    if (state != Wire.State.IDLE) {
      throw new IllegalStateException("RankActor.start: this rank is already " + state);
    }
    Wire.StartRequest r = (Wire.StartRequest) Wire.fromBytes(request, "start request");
    state = Wire.State.RUNNING;
    Thread t = new Thread(() -> runRank(r), "shard4j-rank-" + r.rank());
    t.setDaemon(true);
    t.start();
    return Boolean.TRUE;
  }

  /**
   * The rank's state and the progress reports recorded from index {@code since} on, serialized: the driver calls
   * it every few hundred milliseconds.
   */
  public byte[] poll(Integer since) {
    List<Progress> fresh;
    synchronized (events) {
      int from = Math.min(Math.max(0, since), events.size());
      fresh = new ArrayList<>(events.subList(from, events.size()));
    }
    Wire.State s = state;
    return Wire.toBytes(new Wire.Status(s, fresh, s == Wire.State.SUCCEEDED ? result : null,
        s == Wire.State.FAILED ? error : null, communicatorFailure), "rank status");
  }

  /**
   * Aborts this rank's communicator (its current and next collectives fail at once, and its peers are told);
   * returns whether there was one to abort. Called by the driver when another rank failed.
   */
  public Boolean abort(String reason) {
    aborted = true;
    Communicator c = communicator;
    if (c == null) {
      return Boolean.FALSE;
    }
    System.err.println("shard4j: aborting rank " + c.rank() + ": " + reason);
    c.abort();
    return Boolean.TRUE;
  }

  private void runRank(Wire.StartRequest r) {
    TcpStore store = null;
    try {
      CpuRuntime.setThreads(r.threads());
      RankFunction<?> function = (RankFunction<?>) Wire.fromBytes(r.function(), "rank function");
      Duration timeout = Duration.ofMillis(r.collectiveTimeoutMs());
      store = new TcpStore(r.storeAddress(), r.token(), timeout);
      Communicator comm = createCommunicator(r, store, timeout);
      communicator = comm;
      if (aborted) {
        comm.abort();
      }
      try (comm; DeviceMesh mesh = DeviceMesh.create(comm, r.meshShape(), r.axisNames())) {
        Serializable out = function.run(new RankContext(comm, mesh, this::record));
        result = Wire.toBytes(out, "result of rank " + r.rank());
      }
      state = Wire.State.SUCCEEDED;
    } catch (Throwable e) {
      StringWriter trace = new StringWriter();
      e.printStackTrace(new PrintWriter(trace));
      error = trace.toString();
      communicatorFailure = isCommunicatorFailure(e);
      state = Wire.State.FAILED;
    } finally {
      communicator = null;
      if (store != null) {
        store.close();
      }
    }
  }

  private static Communicator createCommunicator(Wire.StartRequest r, TcpStore store, Duration timeout) {
    if (r.device().equals("cpu")) {
      TcpOptions o = TcpOptions.defaults().withBindAddress(r.bindAddress()).withTimeout(timeout);
      return TcpCommunicator.create(store, r.token(), r.rank(), r.size(), o);
    }
    // Ray sets CUDA_VISIBLE_DEVICES to the GPUs of this actor's bundle, so its device is ordinal 0; NCCL's unique
    // id travels through the job's store.
    CommunicatorOptions o = CommunicatorOptions.of(r.rank(), r.size(), store).withDevice(Device.cuda(0))
        .withTimeout(timeout);
    return Communicators.create("nccl", o);
  }

  private void record(Progress p) {
    synchronized (events) {
      events.add(p);
    }
  }

  private static boolean isCommunicatorFailure(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof CommunicatorException) {
        return true;
      }
    }
    return false;
  }

  private static String nodeAddress() {
    var context = Ray.getRuntimeContext();
    var id = context.getCurrentNodeId();
    for (NodeInfo node : context.getAllNodeInfo()) {
      if (node.nodeId.equals(id)) {
        return node.nodeAddress;
      }
    }
    throw new IllegalStateException("RankActor: node " + id + " is not among the cluster's nodes");
  }
}
