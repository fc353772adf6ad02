/**
 * The backend service-provider interface of the collectives module: {@link
 * dev.shard4j.collectives.spi.CommunicatorBackend} (name, priority, device support, availability with a reason,
 * create) and {@link dev.shard4j.collectives.spi.Availability}. Backends register through {@link
 * java.util.ServiceLoader}; users go through {@link dev.shard4j.collectives.Communicators}.
 */
package dev.shard4j.collectives.spi;
