package dev.shard4j.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/** Draws a loss curve (loss per optimizer step) into a PNG file with Java2D, headless. */
final class LossCurvePng {
  private static final int WIDTH = 800;
  private static final int HEIGHT = 480;
  private static final int MARGIN = 60;

  private LossCurvePng() {}

  static void write(Path file, String title, List<Float> losses) throws IOException {
    if (losses.isEmpty()) {
      throw new IllegalArgumentException("loss curve: no losses to plot");
    }
    System.setProperty("java.awt.headless", "true");
    BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, WIDTH, HEIGHT);
      float lo = Float.MAX_VALUE;
      float hi = -Float.MAX_VALUE;
      for (float v : losses) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      if (hi - lo < 1e-6f) {
        hi = lo + 1;
      }
      int plotW = WIDTH - 2 * MARGIN;
      int plotH = HEIGHT - 2 * MARGIN;
      g.setColor(new Color(230, 230, 230));
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      for (int i = 0; i <= 4; i++) {
        int y = MARGIN + plotH * i / 4;
        g.drawLine(MARGIN, y, MARGIN + plotW, y);
        g.setColor(Color.DARK_GRAY);
        g.drawString(String.format(Locale.ROOT, "%.3f", hi - (hi - lo) * i / 4), 5, y + 4);
        g.setColor(new Color(230, 230, 230));
      }
      g.setColor(Color.BLACK);
      g.drawRect(MARGIN, MARGIN, plotW, plotH);
      int n = losses.size();
      g.drawString("step", MARGIN + plotW / 2 - 12, HEIGHT - 20);
      g.drawString("1", MARGIN, MARGIN + plotH + 16);
      g.drawString(Integer.toString(n), MARGIN + plotW - 10, MARGIN + plotH + 16);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
      g.drawString(title, MARGIN, MARGIN - 20);
      g.setColor(new Color(31, 119, 180));
      g.setStroke(new BasicStroke(2f));
      int px = -1;
      int py = -1;
      for (int i = 0; i < n; i++) {
        int x = MARGIN + (n == 1 ? plotW / 2 : (int) ((long) plotW * i / (n - 1)));
        int y = MARGIN + (int) (plotH * (hi - losses.get(i)) / (hi - lo));
        if (px >= 0) {
          g.drawLine(px, py, x, y);
        }
        px = x;
        py = y;
      }
    } finally {
      g.dispose();
    }
    ImageIO.write(img, "png", file.toFile());
  }
}
