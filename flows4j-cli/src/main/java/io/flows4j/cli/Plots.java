package io.flows4j.cli;

import io.flows4j.data.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The figures of {@code flows4j plot} and {@code flows4j demo}, drawn with XChart (headless) and
 * written as PNG: a 2-D density heat map with points overlaid, training curves, and pairwise
 * marginals of samples against data.
 */
final class Plots {
  static {
    // Plots are drawn off-screen; without this a machine with no display fails in AWT.
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  /** The colour of data points. */
  static final Color DATA = new Color(20, 20, 20);

  /** The colour of the flow's samples. */
  static final Color SAMPLES = new Color(230, 85, 13);

  private static final Color TRANSPARENT = new Color(0, 0, 0, 0);
  private static final Color TEXT = new Color(40, 40, 40);
  private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 16);
  private static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
  private static final Font TICK_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 11);

  /** Colour-bar anchors, white (zero density) to deep blue, at positions 0, 0.2, ..., 1. */
  private static final int[][] RAMP = {
    {255, 255, 255}, {214, 230, 244}, {150, 196, 223}, {74, 148, 199}, {30, 98, 168}, {8, 45, 100}
  };

  private Plots() {}

  /**
   * A density evaluated on a regular grid: {@code density[row * nx + column]} at {@code x = xMin +
   * (column + 0.5) (xMax - xMin) / nx} and {@code y = yMin + (row + 0.5) (yMax - yMin) / ny} (row 0
   * at the bottom).
   */
  @SuppressWarnings("ArrayRecordComponent") // plotting buffers, never compared or hashed
  record Grid(
      double xMin, double xMax, double yMin, double yMax, int nx, int ny, double[] density) {
    Grid {
      if (nx < 2 || ny < 2 || density.length != nx * ny) {
        throw new IllegalArgumentException(
            "Plots.Grid: need nx, ny >= 2 and nx * ny values, but was "
                + nx
                + " x "
                + ny
                + " and "
                + density.length);
      }
      if (!(xMax > xMin) || !(yMax > yMin)) {
        throw new IllegalArgumentException(
            "Plots.Grid: the ranges must be non-empty, but were ["
                + xMin
                + ", "
                + xMax
                + "] x ["
                + yMin
                + ", "
                + yMax
                + "]");
      }
    }

    /** The x of column {@code i}'s centre. */
    double x(int i) {
      return xMin + (i + 0.5) * (xMax - xMin) / nx;
    }

    /** The y of row {@code j}'s centre. */
    double y(int j) {
      return yMin + (j + 0.5) * (yMax - yMin) / ny;
    }

    /** The area of one cell. */
    double cellArea() {
      return (xMax - xMin) / nx * (yMax - yMin) / ny;
    }
  }

  /** Points to overlay, drawn as small dots of one colour. */
  @SuppressWarnings("ArrayRecordComponent") // plotting buffers, never compared or hashed
  record Points(String name, double[] x, double[] y, Color color) {}

  /** A line of a curve plot; {@code dots} draws markers instead of a line (few points). */
  @SuppressWarnings("ArrayRecordComponent") // plotting buffers, never compared or hashed
  record Line(String name, double[] x, double[] y, Color color, boolean dots) {}

  /**
   * A square plotting range covering the points of both sets: from the 0.5% to the 99.5% quantile
   * of each axis, widened by 15% so that tails show, made square around its centre.
   *
   * @return {@code {xMin, xMax, yMin, yMax}}
   */
  static double[] squareRange(double[] x, double[] y) {
    double[] qx = quantiles(x, 0.005, 0.995);
    double[] qy = quantiles(y, 0.005, 0.995);
    double half = 0.5 * 1.3 * Math.max(qx[1] - qx[0], qy[1] - qy[0]);
    if (!(half > 0)) {
      half = 1;
    }
    double cx = 0.5 * (qx[0] + qx[1]);
    double cy = 0.5 * (qy[0] + qy[1]);
    return new double[] {cx - half, cx + half, cy - half, cy + half};
  }

  /** The {@code lo} and {@code hi} quantiles of the finite values (nearest rank). */
  static double[] quantiles(double[] v, double lo, double hi) {
    double[] s = Arrays.stream(v).filter(Double::isFinite).sorted().toArray();
    if (s.length == 0) {
      return new double[] {-1, 1};
    }
    int a = (int) Math.floor(lo * (s.length - 1));
    int b = (int) Math.ceil(hi * (s.length - 1));
    return new double[] {s[a], s[b]};
  }

  /**
   * A heat map of a 2-D density (linear colour scale from 0 to its maximum, with a colour bar) with
   * points overlaid and a legend below.
   */
  static BufferedImage density(
      String title, String xName, String yName, Grid grid, List<Points> overlays) {
    int width = 820;
    int height = 760;
    int barStrip = 110;
    int chartWidth = width - barStrip;
    XYChart chart =
        new XYChartBuilder()
            .width(chartWidth)
            .height(height)
            .title(title)
            .xAxisTitle(xName)
            .yAxisTitle(yName)
            .build();
    XYStyler st = chart.getStyler();
    style(st);
    st.setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    st.setChartBackgroundColor(TRANSPARENT);
    st.setPlotBackgroundColor(TRANSPARENT);
    st.setPlotGridLinesVisible(false);
    st.setPlotContentSize(1.0);
    st.setXAxisMin(grid.xMin()).setXAxisMax(grid.xMax());
    st.setYAxisMin(grid.yMin()).setYAxisMax(grid.yMax());
    st.setLegendPosition(Styler.LegendPosition.OutsideS);
    st.setLegendLayout(Styler.LegendLayout.Horizontal);
    st.setMarkerSize(4);
    boolean any = false;
    for (Points p : overlays) {
      if (p.x().length == 0) {
        continue;
      }
      XYSeries s = chart.addSeries(p.name(), p.x(), p.y());
      s.setMarker(SeriesMarkers.CIRCLE);
      s.setMarkerColor(p.color());
      any = true;
    }
    if (!any) {
      // The axes need a series; an invisible one at the centre.
      XYSeries s =
          chart.addSeries(
              "density",
              new double[] {0.5 * (grid.xMin() + grid.xMax())},
              new double[] {0.5 * (grid.yMin() + grid.yMax())});
      s.setMarker(SeriesMarkers.NONE);
      s.setShowInLegend(false);
    }

    // First pass on a scratch image to learn where the axes put the data range.
    BufferedImage scratch = new BufferedImage(chartWidth, height, BufferedImage.TYPE_INT_ARGB);
    Graphics2D sg = scratch.createGraphics();
    chart.paint(sg, chartWidth, height);
    sg.dispose();
    int left = (int) Math.round(chart.getScreenXFromChart(grid.xMin()));
    int right = (int) Math.round(chart.getScreenXFromChart(grid.xMax()));
    int top = (int) Math.round(chart.getScreenYFromChart(grid.yMax()));
    int bottom = (int) Math.round(chart.getScreenYFromChart(grid.yMin()));

    double max = 0;
    for (double d : grid.density()) {
      if (Double.isFinite(d)) {
        max = Math.max(max, d);
      }
    }
    BufferedImage heat = new BufferedImage(grid.nx(), grid.ny(), BufferedImage.TYPE_INT_RGB);
    for (int j = 0; j < grid.ny(); j++) {
      for (int i = 0; i < grid.nx(); i++) {
        double d = grid.density()[j * grid.nx() + i];
        double t = max > 0 && Double.isFinite(d) ? d / max : 0;
        heat.setRGB(i, grid.ny() - 1 - j, ramp(t).getRGB());
      }
    }

    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    hints(g);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    g.setRenderingHint(
        RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(heat, left, top, right - left, bottom - top, null);
    chart.paint(g, chartWidth, height);
    colourBar(g, chartWidth + 18, top, bottom, max);
    g.dispose();
    return image;
  }

  /** Two figures side by side on a white background, top-aligned (a fit beside its target). */
  static BufferedImage sideBySide(BufferedImage left, BufferedImage right) {
    int width = left.getWidth() + right.getWidth();
    int height = Math.max(left.getHeight(), right.getHeight());
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    g.drawImage(left, 0, 0, null);
    g.drawImage(right, left.getWidth(), 0, null);
    g.dispose();
    return image;
  }

  /** The colour bar right of the heat map: the ramp with ticks at 0, max/2 and max. */
  private static void colourBar(Graphics2D g, int x, int top, int bottom, double max) {
    int w = 18;
    int h = bottom - top;
    for (int k = 0; k < h; k++) {
      g.setColor(ramp(1 - (double) k / Math.max(h - 1, 1)));
      g.fillRect(x, top + k, w, 1);
    }
    g.setColor(TEXT);
    g.setStroke(new BasicStroke(1));
    g.drawRect(x, top, w, h);
    g.setFont(TICK_FONT);
    FontMetrics fm = g.getFontMetrics();
    for (int k = 0; k <= 2; k++) {
      double v = max * k / 2;
      int y = bottom - (int) Math.round(h * k / 2.0);
      g.drawLine(x + w, y, x + w + 4, y);
      g.drawString(tick(v), x + w + 7, y + fm.getAscent() / 2 - 1);
    }
    g.setFont(LABEL_FONT);
    g.drawString("p(x)", x - 2, top - 8);
  }

  /** Density tick labels: 3 significant digits without trailing clutter. */
  static String tick(double v) {
    if (v == 0) {
      return "0";
    }
    return new java.math.BigDecimal(v)
        .round(new java.math.MathContext(3))
        .stripTrailingZeros()
        .toPlainString();
  }

  /** The ramp colour at {@code t} in [0, 1] (clamped), interpolated linearly between anchors. */
  static Color ramp(double t) {
    double u = Math.min(1, Math.max(0, t)) * (RAMP.length - 1);
    int k = Math.min((int) Math.floor(u), RAMP.length - 2);
    double f = u - k;
    int[] a = RAMP[k];
    int[] b = RAMP[k + 1];
    return new Color(
        (int) Math.round(a[0] + f * (b[0] - a[0])),
        (int) Math.round(a[1] + f * (b[1] - a[1])),
        (int) Math.round(a[2] + f * (b[2] - a[2])));
  }

  /** Curves against a common x axis (training loss and validation NLL against the step). */
  static BufferedImage curves(String title, String xName, String yName, List<Line> lines) {
    int width = 900;
    int height = 560;
    XYChart chart =
        new XYChartBuilder()
            .width(width)
            .height(height)
            .title(title)
            .xAxisTitle(xName)
            .yAxisTitle(yName)
            .build();
    XYStyler st = chart.getStyler();
    style(st);
    st.setPlotGridLinesColor(new Color(225, 225, 225));
    st.setLegendPosition(Styler.LegendPosition.InsideNE);
    st.setLegendBackgroundColor(new Color(255, 255, 255, 220));
    st.setMarkerSize(6);
    st.setXAxisDecimalPattern("#,##0");
    st.setXAxisMin(0.0);
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (Line line : lines) {
      if (line.x().length == 0) {
        continue;
      }
      XYSeries s = chart.addSeries(line.name(), line.x(), line.y());
      s.setLineColor(line.color());
      s.setMarkerColor(line.color());
      if (line.dots()) {
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        s.setMarker(SeriesMarkers.CIRCLE);
        s.setLineStyle(new BasicStroke(1.5f));
      } else {
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineStyle(new BasicStroke(1.5f));
      }
      double[] q = quantiles(line.y(), 0.0, 0.98);
      lo = Math.min(lo, q[0]);
      hi = Math.max(hi, q[1]);
    }
    niceXTicks(chart, 0, lines.stream().mapToDouble(l -> max(l.x())).max().orElse(1), lo);
    if (lo < hi) {
      // The first steps' losses are far above the rest; cut them so the end of training is
      // readable (the y axis keeps 98% of each curve's values).
      double pad = 0.05 * (hi - lo);
      st.setYAxisMin(lo - pad).setYAxisMax(hi + pad);
    }
    return render(chart, width, height);
  }

  /**
   * Pairwise marginals of the first {@code dims} columns: on the diagonal the histograms of data
   * and samples, off the diagonal their scatter plots overlaid.
   *
   * @param data rows of data, each with at least {@code dims} values
   * @param samples rows of samples, each with at least {@code dims} values
   */
  static BufferedImage pairs(
      String title, List<String> names, float[][] data, float[][] samples, int dims) {
    int panel = dims <= 3 ? 300 : 240;
    int header = 70;
    int margin = 10;
    int size = dims * panel + 2 * margin;
    BufferedImage image = new BufferedImage(size, size + header, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    hints(g);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, image.getWidth(), image.getHeight());
    double[][] ranges = new double[dims][];
    for (int d = 0; d < dims; d++) {
      double[] q = quantiles(column(data, d), 0.005, 0.995);
      double pad = 0.15 * Math.max(q[1] - q[0], 1e-6);
      ranges[d] = new double[] {q[0] - pad, q[1] + pad};
    }
    for (int row = 0; row < dims; row++) {
      for (int col = 0; col < dims; col++) {
        XYChart chart = new XYChartBuilder().width(panel).height(panel).build();
        XYStyler st = chart.getStyler();
        style(st);
        st.setLegendVisible(false);
        st.setChartTitleVisible(false);
        st.setChartPadding(4);
        st.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 9));
        st.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        st.setPlotGridLinesColor(new Color(235, 235, 235));
        st.setXAxisTitleVisible(row == dims - 1);
        st.setYAxisTitleVisible(col == 0);
        chart.setXAxisTitle(names.get(col));
        chart.setYAxisTitle(row == col ? "density" : names.get(row));
        st.setXAxisMin(ranges[col][0]).setXAxisMax(ranges[col][1]);
        st.setMarkerSize(2);
        if (row == col) {
          histogram(chart, "data", column(data, col), ranges[col], DATA);
          histogram(chart, "samples", column(samples, col), ranges[col], SAMPLES);
          niceXTicks(chart, ranges[col][0], ranges[col][1], 0);
        } else {
          st.setYAxisMin(ranges[row][0]).setYAxisMax(ranges[row][1]);
          scatter(chart, "data", column(data, col), column(data, row), alpha(DATA, 70));
          scatter(chart, "samples", column(samples, col), column(samples, row), alpha(SAMPLES, 70));
        }
        Graphics2D pg =
            (Graphics2D) g.create(margin + col * panel, header + row * panel, panel, panel);
        chart.paint(pg, panel, panel);
        pg.dispose();
      }
    }
    g.setColor(TEXT);
    g.setFont(TITLE_FONT);
    FontMetrics fm = g.getFontMetrics();
    g.drawString(title, (image.getWidth() - fm.stringWidth(title)) / 2, 26);
    legend(g, image.getWidth() / 2, 52);
    g.dispose();
    return image;
  }

  /** A two-entry legend (data, samples) centred at {@code cx}. */
  private static void legend(Graphics2D g, int cx, int baseline) {
    g.setFont(LABEL_FONT);
    FontMetrics fm = g.getFontMetrics();
    String a = "data";
    String b = "samples of the flow";
    int dot = 10;
    int gap = 30;
    int total = dot + 6 + fm.stringWidth(a) + gap + dot + 6 + fm.stringWidth(b);
    int x = cx - total / 2;
    g.setColor(DATA);
    g.fillOval(x, baseline - dot, dot, dot);
    g.setColor(TEXT);
    g.drawString(a, x + dot + 6, baseline);
    x += dot + 6 + fm.stringWidth(a) + gap;
    g.setColor(SAMPLES);
    g.fillOval(x, baseline - dot, dot, dot);
    g.setColor(TEXT);
    g.drawString(b, x + dot + 6, baseline);
  }

  private static void histogram(XYChart chart, String name, double[] v, double[] range, Color c) {
    int bins = 40;
    double[] x = new double[2 * bins];
    double[] y = new double[2 * bins];
    double width = (range[1] - range[0]) / bins;
    int[] counts = new int[bins];
    for (double value : v) {
      int k = (int) Math.floor((value - range[0]) / width);
      if (k >= 0 && k < bins) {
        counts[k]++;
      }
    }
    // A step outline: two points per bin at its edges, heights normalised to a density.
    for (int k = 0; k < bins; k++) {
      double h = v.length == 0 ? 0 : counts[k] / (v.length * width);
      x[2 * k] = range[0] + k * width;
      x[2 * k + 1] = range[0] + (k + 1) * width;
      y[2 * k] = h;
      y[2 * k + 1] = h;
    }
    XYSeries s = chart.addSeries(name, x, y);
    s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
    s.setMarker(SeriesMarkers.NONE);
    s.setLineColor(c);
    s.setLineStyle(new BasicStroke(1.6f));
  }

  /**
   * XChart puts the ticks of an axis whose x values are equally spaced (steps, histogram edges) at
   * data values, which gives labels such as 134, 268; an invisible series at unequally spaced x
   * makes it choose round ticks instead.
   */
  private static void niceXTicks(XYChart chart, double xMin, double xMax, double y) {
    double third = xMin + 0.3183 * (xMax - xMin);
    XYSeries s =
        chart.addSeries("\u200b", new double[] {xMin, third, xMax}, new double[] {y, y, y});
    s.setMarker(SeriesMarkers.NONE);
    s.setLineStyle(new BasicStroke(0f));
    s.setLineColor(TRANSPARENT);
    s.setShowInLegend(false);
  }

  private static double max(double[] v) {
    double m = Double.NEGATIVE_INFINITY;
    for (double d : v) {
      m = Math.max(m, d);
    }
    return m;
  }

  private static void scatter(XYChart chart, String name, double[] x, double[] y, Color c) {
    XYSeries s = chart.addSeries(name, x, y);
    s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    s.setMarker(SeriesMarkers.CIRCLE);
    s.setMarkerColor(c);
  }

  /** Column {@code d} of row arrays, in double. */
  static double[] column(float[][] rows, int d) {
    double[] c = new double[rows.length];
    for (int i = 0; i < rows.length; i++) {
      c[i] = rows[i][d];
    }
    return c;
  }

  /** {@code c} with the given alpha (0-255). */
  static Color alpha(Color c, int alpha) {
    return new Color(c.getRed(), c.getGreen(), c.getBlue(), alpha);
  }

  /** The house style shared by every chart. */
  private static void style(XYStyler st) {
    st.setChartTitleFont(TITLE_FONT);
    st.setChartTitleBoxVisible(false);
    st.setAxisTitleFont(LABEL_FONT);
    st.setAxisTickLabelsFont(TICK_FONT);
    st.setLegendFont(LABEL_FONT);
    st.setLegendBorderColor(new Color(200, 200, 200));
    st.setChartFontColor(TEXT);
    st.setAxisTickLabelsColor(TEXT);
    st.setPlotBorderColor(new Color(120, 120, 120));
    st.setLocale(Locale.ROOT);
    st.setAntiAlias(true);
    st.setChartBackgroundColor(Color.WHITE);
    st.setXAxisDecimalPattern("0.##");
    st.setYAxisDecimalPattern("0.##");
  }

  private static void hints(Graphics2D g) {
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
  }

  private static BufferedImage render(XYChart chart, int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    hints(g);
    chart.paint(g, width, height);
    g.dispose();
    return image;
  }

  /**
   * Writes a PNG atomically: to a temporary file beside {@code target}, then renamed over it, so
   * that a failure leaves no partial file.
   *
   * @throws java.io.UncheckedIOException if the file cannot be written
   */
  static void writePng(BufferedImage image, Path target) {
    AtomicFiles.write(
        target,
        out -> {
          if (!ImageIO.write(image, "png", out)) {
            throw new IOException("no PNG writer in this JVM");
          }
        });
  }

  /** Points subsampled to at most {@code max} (the first rows; callers pass shuffled data). */
  static Points points(String name, float[][] rows, int max, Color color) {
    int n = Math.min(rows.length, max);
    double[] x = new double[n];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = rows[i][0];
      y[i] = rows[i][1];
    }
    return new Points(name, x, y, color);
  }

  /** An empty list of overlays, for readability at call sites. */
  static List<Points> overlays(Points... p) {
    return new ArrayList<>(Arrays.asList(p));
  }
}
