package dev.shard4j.collectives.local;

import dev.shard4j.tensor.DType;
import java.util.concurrent.CompletableFuture;

/** One point-to-point message: the sender's buffer, completed by the receiver after copying. Internal. */
record Transfer(long addr, long count, DType dtype, CompletableFuture<Void> done) {}
