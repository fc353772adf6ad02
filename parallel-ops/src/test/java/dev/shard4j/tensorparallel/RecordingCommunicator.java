package dev.shard4j.tensorparallel;

import dev.shard4j.collectives.Communicator;
import dev.shard4j.collectives.ReduceOp;
import dev.shard4j.collectives.Work;
import dev.shard4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/** Records the kind of every collective (with its reduce op) issued through a communicator, then delegates. */
final class RecordingCommunicator implements Communicator {
  private final Communicator inner;
  final List<String> calls = new ArrayList<>();

  RecordingCommunicator(Communicator inner) {
    this.inner = inner;
  }

  @Override
  public int rank() {
    return inner.rank();
  }

  @Override
  public int size() {
    return inner.size();
  }

  @Override
  public void allReduce(Tensor t, ReduceOp op) {
    calls.add("allReduce(" + op + ")");
    inner.allReduce(t, op);
  }

  @Override
  public void allReduce(Tensor in, Tensor out, ReduceOp op) {
    calls.add("allReduce(" + op + ")");
    inner.allReduce(in, out, op);
  }

  @Override
  public void allGather(Tensor in, Tensor out) {
    calls.add("allGather");
    inner.allGather(in, out);
  }

  @Override
  public void reduceScatter(Tensor in, Tensor out, ReduceOp op) {
    calls.add("reduceScatter(" + op + ")");
    inner.reduceScatter(in, out, op);
  }

  @Override
  public void broadcast(Tensor t, int root) {
    calls.add("broadcast");
    inner.broadcast(t, root);
  }

  @Override
  public void reduce(Tensor t, int root, ReduceOp op) {
    calls.add("reduce(" + op + ")");
    inner.reduce(t, root, op);
  }

  @Override
  public void allToAll(Tensor in, Tensor out) {
    calls.add("allToAll");
    inner.allToAll(in, out);
  }

  @Override
  public void send(Tensor t, int peer) {
    calls.add("send");
    inner.send(t, peer);
  }

  @Override
  public void recv(Tensor t, int peer) {
    calls.add("recv");
    inner.recv(t, peer);
  }

  @Override
  public void barrier() {
    calls.add("barrier");
    inner.barrier();
  }

  @Override
  public Work allReduceAsync(Tensor t, ReduceOp op) {
    calls.add("allReduceAsync(" + op + ")");
    return inner.allReduceAsync(t, op);
  }

  @Override
  public Work allReduceAsync(Tensor in, Tensor out, ReduceOp op) {
    calls.add("allReduceAsync(" + op + ")");
    return inner.allReduceAsync(in, out, op);
  }

  @Override
  public Work allGatherAsync(Tensor in, Tensor out) {
    calls.add("allGatherAsync");
    return inner.allGatherAsync(in, out);
  }

  @Override
  public Work reduceScatterAsync(Tensor in, Tensor out, ReduceOp op) {
    calls.add("reduceScatterAsync(" + op + ")");
    return inner.reduceScatterAsync(in, out, op);
  }

  @Override
  public Work broadcastAsync(Tensor t, int root) {
    calls.add("broadcastAsync");
    return inner.broadcastAsync(t, root);
  }

  @Override
  public Work reduceAsync(Tensor t, int root, ReduceOp op) {
    calls.add("reduceAsync(" + op + ")");
    return inner.reduceAsync(t, root, op);
  }

  @Override
  public Work allToAllAsync(Tensor in, Tensor out) {
    calls.add("allToAllAsync");
    return inner.allToAllAsync(in, out);
  }

  @Override
  public Work sendAsync(Tensor t, int peer) {
    calls.add("sendAsync");
    return inner.sendAsync(t, peer);
  }

  @Override
  public Work recvAsync(Tensor t, int peer) {
    calls.add("recvAsync");
    return inner.recvAsync(t, peer);
  }

  @Override
  public Communicator split(int color, int key) {
    return inner.split(color, key);
  }

  @Override
  public void abort() {
    inner.abort();
  }

  @Override
  public void close() {
    inner.close();
  }
}
