package io.flows4j.cli;

import io.flows4j.tensor.Checks;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Lays out small grey-scale images as a grid with an optional label per row, e.g. ten samples per
 * class of a class-conditional flow. Values are intensities in {@code [0, 1]} (clipped), drawn
 * white on black as Fashion-MNIST stores them, each pixel enlarged to a square of {@code scale}
 * screen pixels.
 */
final class ImageGrid {
  private static final int GAP = 2;
  private static final int MARGIN = 8;
  private static final Color BACKGROUND = Color.WHITE;
  private static final Color TEXT = new Color(40, 40, 40);
  private static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
  private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 14);

  static {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private ImageGrid() {}

  /**
   * Draws the grid.
   *
   * @param images {@code rows * columns} images in row-major grid order, each {@code height *
   *     width} intensities, row-major
   * @param height image height in pixels
   * @param width image width in pixels
   * @param columns images per grid row
   * @param rowLabels one label per grid row, or an empty list for none
   * @param title a line above the grid, or {@code null}
   * @param scale screen pixels per image pixel, at least 1
   * @throws IllegalArgumentException if the counts or sizes do not agree
   */
  static BufferedImage draw(
      List<float[]> images,
      int height,
      int width,
      int columns,
      List<String> rowLabels,
      String title,
      int scale) {
    Checks.requireArgument(
        height > 0 && width > 0 && columns > 0 && scale > 0,
        "ImageGrid: sizes must be positive, but were %dx%d, %d columns, scale %d",
        height,
        width,
        columns,
        scale);
    Checks.requireArgument(
        !images.isEmpty() && images.size() % columns == 0,
        "ImageGrid: the number of images must be a positive multiple of %d columns, but was %d",
        columns,
        images.size());
    int rows = images.size() / columns;
    Checks.requireArgument(
        rowLabels.isEmpty() || rowLabels.size() == rows,
        "ImageGrid: there must be one label per row (%d), but there were %d",
        rows,
        rowLabels.size());
    for (float[] im : images) {
      Checks.requireArgument(
          im.length == height * width,
          "ImageGrid: every image must have %d x %d = %d values, but one had %d",
          height,
          width,
          height * width,
          im.length);
    }
    BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
    Graphics2D pg = probe.createGraphics();
    FontMetrics labelMetrics = pg.getFontMetrics(LABEL_FONT);
    FontMetrics titleMetrics = pg.getFontMetrics(TITLE_FONT);
    pg.dispose();
    int labelWidth = 0;
    for (String l : rowLabels) {
      labelWidth = Math.max(labelWidth, labelMetrics.stringWidth(l));
    }
    int left = MARGIN + (labelWidth > 0 ? labelWidth + MARGIN : 0);
    int top = MARGIN + (title != null ? titleMetrics.getHeight() + MARGIN / 2 : 0);
    int cellW = width * scale;
    int cellH = height * scale;
    int gridW = columns * cellW + (columns - 1) * GAP;
    int gridH = rows * cellH + (rows - 1) * GAP;
    int totalW =
        Math.max(left + gridW, title != null ? 2 * MARGIN + titleMetrics.stringWidth(title) : 0)
            + MARGIN;
    BufferedImage out = new BufferedImage(totalW, top + gridH + MARGIN, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(BACKGROUND);
    g.fillRect(0, 0, out.getWidth(), out.getHeight());
    g.setColor(TEXT);
    if (title != null) {
      g.setFont(TITLE_FONT);
      g.drawString(title, MARGIN, MARGIN + titleMetrics.getAscent());
    }
    g.setFont(LABEL_FONT);
    for (int r = 0; r < rows; r++) {
      int y0 = top + r * (cellH + GAP);
      if (!rowLabels.isEmpty()) {
        String l = rowLabels.get(r);
        g.drawString(
            l,
            left - MARGIN - labelMetrics.stringWidth(l),
            y0 + (cellH + labelMetrics.getAscent() - labelMetrics.getDescent()) / 2);
      }
      for (int c = 0; c < columns; c++) {
        float[] im = images.get(r * columns + c);
        int x0 = left + c * (cellW + GAP);
        for (int i = 0; i < height; i++) {
          for (int j = 0; j < width; j++) {
            int v = grey(im[i * width + j]);
            int rgb = (v << 16) | (v << 8) | v;
            for (int a = 0; a < scale; a++) {
              for (int b = 0; b < scale; b++) {
                out.setRGB(x0 + j * scale + b, y0 + i * scale + a, rgb);
              }
            }
          }
        }
      }
    }
    g.dispose();
    return out;
  }

  /** An intensity in {@code [0, 1]} (clipped; NaN as 0) as an 8-bit grey level. */
  static int grey(float v) {
    if (!(v > 0)) {
      return 0;
    }
    return v >= 1 ? 255 : Math.round(v * 255);
  }
}
