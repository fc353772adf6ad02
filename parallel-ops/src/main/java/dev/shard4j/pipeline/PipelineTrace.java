package dev.shard4j.pipeline;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * The timeline of a pipeline run, gathered from every rank's {@link PipelineExecutor#trace()}: writes it as
 * Chrome / Perfetto trace JSON (one track per rank, open in {@code chrome://tracing} or ui.perfetto.dev) and as a PNG
 * Gantt chart (Java2D, headless), and measures the bubble. Immutable; any thread.
 */
public final class PipelineTrace {
  private final List<TraceEvent> events;
  private final String title;

  /** A trace of {@code events} (copied) titled {@code title}, e.g. {@code "1f1b pp=4 m=8"}. */
  public PipelineTrace(String title, List<TraceEvent> events) {
    if (events.isEmpty()) {
      throw new IllegalArgumentException("PipelineTrace: no events");
    }
    this.title = title;
    this.events = new ArrayList<>(events);
    this.events.sort(Comparator.comparingLong(TraceEvent::startNs));
  }

  /** The events, sorted by start time (unmodifiable). */
  public List<TraceEvent> events() {
    return List.copyOf(events);
  }

  /**
   * The measured bubble of step {@code step}: with {@code span} the time from the first forward to the last
   * backward on any rank and {@code busy_r} rank r's forward and backward time, the mean over ranks of
   * {@code (span - busy_r) / busy_r} (the same ratio as the theoretical {@code (p-1)/m}).
   */
  public double bubble(int step) {
    long start = Long.MAX_VALUE;
    long end = Long.MIN_VALUE;
    java.util.Map<Integer, Long> busy = new java.util.TreeMap<>();
    for (TraceEvent e : events) {
      if (e.step() != step || !e.isCompute()) {
        continue;
      }
      start = Math.min(start, e.startNs());
      end = Math.max(end, e.endNs());
      busy.merge(e.rank(), e.endNs() - e.startNs(), Long::sum);
    }
    if (busy.isEmpty()) {
      throw new IllegalArgumentException("PipelineTrace.bubble: no compute events for step " + step);
    }
    double sum = 0;
    for (long b : busy.values()) {
      sum += (end - start - b) / (double) b;
    }
    return sum / busy.size();
  }

  /** The mean of {@link #bubble(int)} over steps {@code from} (inclusive) to {@code to} (exclusive). */
  public double meanBubble(int from, int to) {
    double s = 0;
    for (int i = from; i < to; i++) {
      s += bubble(i);
    }
    return s / (to - from);
  }

  /** Writes Chrome trace-event JSON: one complete ("X") event per instruction, pid 0, tid = world rank. */
  public void writeChromeJson(Path path) {
    long t0 = events.get(0).startNs();
    StringBuilder b = new StringBuilder("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n");
    java.util.Set<Integer> ranks = new java.util.TreeSet<>();
    events.forEach(e -> ranks.add(e.rank()));
    for (TraceEvent e : events) {
      if (ranks.remove(e.rank())) {
        b.append(String.format(Locale.ROOT, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":0,\"tid\":%d,"
            + "\"args\":{\"name\":\"rank %d (stage %d)\"}},%n", e.rank(), e.rank(), e.stage()));
      }
    }
    for (int i = 0; i < events.size(); i++) {
      TraceEvent e = events.get(i);
      Instruction in = e.instruction();
      b.append(String.format(Locale.ROOT, "{\"name\":\"%s\",\"cat\":\"%s\",\"ph\":\"X\",\"pid\":0,\"tid\":%d,"
          + "\"ts\":%.3f,\"dur\":%.3f,\"args\":{\"step\":%d,\"chunk\":%d,\"microbatch\":%d}}%s%n", in.label(),
          in.op().name().toLowerCase(Locale.ROOT), e.rank(), (e.startNs() - t0) / 1e3,
          (e.endNs() - e.startNs()) / 1e3, e.step(), in.chunk(), in.microBatch(), i + 1 < events.size() ? "," : ""));
    }
    b.append("]}\n");
    try {
      Files.writeString(path, b, StandardCharsets.UTF_8);
    } catch (IOException ex) {
      throw new UncheckedIOException("PipelineTrace: cannot write " + path, ex);
    }
  }

  /**
   * Draws a Gantt chart of step {@code step} to a PNG: one row per rank, forwards blue, backwards green (darker for
   * later model chunks), time blocked in a receive light grey, sends and frees grey, reduce/optimizer orange, idle
   * white; title with the measured bubble and {@code theoretical}.
   */
  public void writeGanttPng(Path path, int step, double theoretical) {
    System.setProperty("java.awt.headless", "true");
    List<TraceEvent> stepEvents = new ArrayList<>();
    events.stream().filter(e -> e.step() == step).forEach(stepEvents::add);
    if (stepEvents.isEmpty()) {
      throw new IllegalArgumentException("PipelineTrace.writeGanttPng: no events for step " + step);
    }
    long t0 = stepEvents.stream().mapToLong(TraceEvent::startNs).min().orElseThrow();
    long t1 = stepEvents.stream().mapToLong(TraceEvent::endNs).max().orElseThrow();
    int maxRank = stepEvents.stream().mapToInt(TraceEvent::rank).max().orElseThrow();
    int rowH = 28;
    int left = 110;
    int top = 44;
    int width = 1400;
    int height = top + (maxRank + 1) * rowH + 30;
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
      g.drawString(String.format(Locale.ROOT, "%s  step %d  %.1f ms   bubble measured %.3f, theoretical %.3f",
          title, step, (t1 - t0) / 1e6, bubble(step), theoretical), 10, 22);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
      double scale = (width - left - 10) / (double) Math.max(1, t1 - t0);
      for (TraceEvent e : stepEvents) {
        int x = left + (int) ((e.startNs() - t0) * scale);
        int w = Math.max(1, (int) ((e.endNs() - e.startNs()) * scale));
        int y = top + e.rank() * rowH;
        g.setColor(color(e.instruction()));
        g.fillRect(x, y + 2, w, rowH - 4);
        if (e.isCompute()) {
          g.setColor(Color.BLACK);
          g.setStroke(new BasicStroke(0.5f));
          g.drawRect(x, y + 2, w, rowH - 4);
          String label = e.instruction().label();
          if (g.getFontMetrics().stringWidth(label) < w - 2) {
            g.drawString(label, x + 2, y + rowH / 2 + 4);
          }
        }
      }
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      for (int r = 0; r <= maxRank; r++) {
        g.drawString("rank " + r, 10, top + r * rowH + rowH / 2 + 4);
      }
      g.drawString("forward: blue, backward: green (darker: later chunk), waiting in receive: light grey, "
          + "send/free: grey, reduce/step: orange, white: idle",
          left, height - 10);
    } finally {
      g.dispose();
    }
    try {
      ImageIO.write(img, "png", path.toFile());
    } catch (IOException ex) {
      throw new UncheckedIOException("PipelineTrace: cannot write " + path, ex);
    }
  }

  private static Color color(Instruction in) {
    int shade = Math.min(in.chunk(), 3) * 40;
    return switch (in.op()) {
      case FORWARD -> new Color(Math.max(0, 90 - shade), Math.max(0, 150 - shade), 235 - shade);
      case BACKWARD, BACKWARD_INPUT, BACKWARD_WEIGHT -> new Color(Math.max(0, 90 - shade), 200 - shade,
          Math.max(0, 110 - shade));
      case REDUCE_GRADS, OPTIMIZER_STEP -> new Color(245, 160, 60);
      case RECV_ACT, RECV_GRAD -> new Color(238, 238, 238);
      default -> new Color(150, 150, 150);
    };
  }
}
