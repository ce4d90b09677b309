package io.flows4j.cli;

import io.flows4j.io.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds the summary table of {@code docs/benchmarks.md} from the JSON lines of {@code bench} runs
 * and the peers' figures in BENCHMARKS.md: per workload, model and data set, flows4j's seconds per
 * step on one and two threads, its efficiency, the fastest peer's time and the speed-up over it,
 * flows4j's quality figure beside the best peer's, and peak memory.
 */
final class BenchReport {
  /**
   * The quality fields of a result line, in the order they are looked for: an image workload
   * reports both bits per dimension (its figure) and the NLL in nats.
   */
  static final List<String> QUALITY = List.of("test_bpd", "kl_nats", "test_nll_nats");

  /** The first line of the generated section. */
  static final String BEGIN = "<!-- bench:summary -->";

  /** The last line of the generated section. */
  static final String END = "<!-- /bench:summary -->";

  private BenchReport() {}

  /** One run of a workload (one JSON line). */
  record Run(
      String workload,
      String model,
      String dataset,
      int threads,
      long seed,
      double secPerStep,
      double efficiency,
      String qualityName,
      double quality,
      double peakRssMb) {}

  /** A peer library's figures for one model and data set. */
  record PeerFigure(String library, double secPerStep, double quality) {}

  /**
   * Parses result lines: JSON objects with at least {@code workload, model, dataset, threads,
   * sec_per_step_median} and one quality field; blank lines and lines of other workloads (e.g.
   * {@code novelty}, {@code gemm}) are skipped.
   *
   * @throws IllegalArgumentException naming the line if one is not a JSON object
   */
  static List<Run> parseRuns(List<String> lines, String source) {
    List<Run> runs = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).trim();
      if (line.isEmpty()) {
        continue;
      }
      Json j;
      try {
        j = Json.parse(line);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            source + " line " + (i + 1) + ": not a JSON result line (" + e.getMessage() + ")", e);
      }
      if (!(j instanceof Json.Obj o)
          || !o.has("workload")
          || !o.getString("workload").matches("W[1-4]")
          || !o.has("sec_per_step_median")) {
        continue;
      }
      String q = QUALITY.stream().filter(o::has).findFirst().orElse(null);
      runs.add(
          new Run(
              o.getString("workload"),
              o.getString("model"),
              o.getString("dataset"),
              o.getInt("threads"),
              o.has("seed") ? o.getLong("seed") : 0,
              o.getDouble("sec_per_step_median"),
              o.has("efficiency") ? o.getDouble("efficiency") : Double.NaN,
              q,
              q == null ? Double.NaN : o.getDouble(q),
              o.has("peak_rss_mb") ? o.getDouble("peak_rss_mb") : Double.NaN));
    }
    return runs;
  }

  /**
   * The peers' figures from the marked tables of BENCHMARKS.md ({@code <!-- W1 -->} to {@code <!--
   * /W1 -->}, columns {@code model | data | <library> s/step | <library> <quality> | ...}), keyed
   * by {@code workload/model/data}; a {@code —} cell is no figure.
   */
  static Map<String, List<PeerFigure>> parsePeers(String benchmarksMd) {
    Map<String, List<PeerFigure>> out = new LinkedHashMap<>();
    String[] lines = benchmarksMd.split("\n", -1);
    String workload = null;
    String[] header = null;
    for (String raw : lines) {
      String line = raw.trim();
      if (line.matches("<!-- W[1-4] -->")) {
        workload = line.substring(5, 7);
        header = null;
        continue;
      }
      if (line.startsWith("<!-- /W")) {
        workload = null;
        continue;
      }
      if (workload == null || !line.startsWith("|")) {
        continue;
      }
      String[] cells = cells(line);
      if (header == null) {
        header = cells;
        continue;
      }
      if (cells.length > 0 && cells[0].startsWith("---")) {
        continue;
      }
      List<PeerFigure> figures = new ArrayList<>();
      for (int c = 2; c + 1 < header.length && c + 1 < cells.length; c += 2) {
        String library = header[c].split(" ")[0];
        double t = number(cells[c]);
        double q = number(cells[c + 1]);
        if (!Double.isNaN(t) || !Double.isNaN(q)) {
          figures.add(new PeerFigure(library, t, q));
        }
      }
      out.put(workload + "/" + cells[0] + "/" + cells[1], figures);
    }
    return out;
  }

  private static String[] cells(String line) {
    String inner = line.substring(1, line.endsWith("|") ? line.length() - 1 : line.length());
    String[] parts = inner.split("\\|", -1);
    for (int i = 0; i < parts.length; i++) {
      parts[i] = parts[i].trim();
    }
    return parts;
  }

  private static double number(String cell) {
    try {
      return Double.parseDouble(cell);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  /** The peers' name for one of flows4j's models in a workload. */
  static String peerModel(String workload, String model, Map<String, List<PeerFigure>> peers) {
    String name =
        switch (model) {
          case "residual" -> "resflow";
          case "planar" -> "planarK32";
          case "radial" -> "radialK32";
          default -> model;
        };
    for (String key : peers.keySet()) {
      String[] k = key.split("/", 3);
      if (k[0].equals(workload) && (k[1].equals(name) || k[1].startsWith(name + " "))) {
        return k[1];
      }
    }
    return name;
  }

  /**
   * The markdown table: one row per workload, model and data set, in the order first seen, with the
   * protocol seed's runs (seed 0) where there are several seeds.
   */
  static String table(List<Run> runs, Map<String, List<PeerFigure>> peers) {
    Map<String, Map<Integer, Run>> rows = new LinkedHashMap<>();
    for (Run r : runs) {
      Map<Integer, Run> byThreads =
          rows.computeIfAbsent(
              r.workload() + "/" + r.model() + "/" + r.dataset(), k -> new LinkedHashMap<>());
      // The protocol's seed 0 wins over other seeds; among equal seeds the later run wins, so a
      // file of re-runs given after the first replaces its rows.
      Run old = byThreads.get(r.threads());
      if (old == null || r.seed() == 0 || old.seed() != 0) {
        byThreads.put(r.threads(), r);
      }
    }
    StringBuilder sb = new StringBuilder();
    sb.append(
        "| workload | model | data | s/step, 1 thread | s/step, 2 threads | efficiency, 1 thread"
            + " | fastest peer s/step | speed-up, 1 thread | flows4j quality | best peer quality |"
            + " peak RSS MB |\n");
    sb.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for (Map.Entry<String, Map<Integer, Run>> e : rows.entrySet()) {
      Map<Integer, Run> byThreads = e.getValue();
      Run one = byThreads.get(1);
      Run two = byThreads.get(2);
      Run any = one != null ? one : byThreads.values().iterator().next();
      String peerName = peerModel(any.workload(), any.model(), peers);
      List<PeerFigure> figures =
          peers.getOrDefault(any.workload() + "/" + peerName + "/" + any.dataset(), List.of());
      PeerFigure fastest = null;
      PeerFigure best = null;
      for (PeerFigure f : figures) {
        if (!Double.isNaN(f.secPerStep())
            && (fastest == null || f.secPerStep() < fastest.secPerStep())) {
          fastest = f;
        }
        if (!Double.isNaN(f.quality()) && (best == null || f.quality() < best.quality())) {
          best = f;
        }
      }
      sb.append("| ")
          .append(any.workload())
          .append(" | ")
          .append(any.model())
          .append(" | ")
          .append(any.dataset())
          .append(" | ")
          .append(one == null ? "—" : seconds(one.secPerStep()))
          .append(" | ")
          .append(two == null ? "—" : seconds(two.secPerStep()))
          .append(" | ")
          .append(one == null || Double.isNaN(one.efficiency()) ? "—" : fixed(one.efficiency(), 2))
          .append(" | ")
          .append(fastest == null ? "—" : seconds(fastest.secPerStep()) + " " + fastest.library())
          .append(" | ")
          .append(
              fastest == null || one == null
                  ? "—"
                  : fixed(fastest.secPerStep() / one.secPerStep(), 1) + "x")
          .append(" | ")
          .append(
              any.qualityName() == null
                  ? "—"
                  : quality(any.quality()) + " " + shortName(any.qualityName()))
          .append(" | ")
          .append(best == null ? "—" : quality(best.quality()) + " " + best.library())
          .append(" | ")
          .append(Double.isNaN(any.peakRssMb()) ? "—" : fixed(any.peakRssMb(), 0))
          .append(" |\n");
    }
    return sb.toString();
  }

  private static String shortName(String qualityField) {
    return switch (qualityField) {
      case "test_nll_nats" -> "NLL";
      case "kl_nats" -> "KL";
      case "test_bpd" -> "bpd";
      default -> qualityField;
    };
  }

  private static String seconds(double s) {
    // Three significant digits, never in scientific notation: 0.00056, 0.0196, 1.14.
    return new java.math.BigDecimal(s)
        .round(new java.math.MathContext(3))
        .stripTrailingZeros()
        .toPlainString();
  }

  private static String quality(double v) {
    if (Math.abs(v) >= 1) {
      return fixed(v, 3);
    }
    // Small figures (KL) keep four significant digits: 0.03118, not 0.0312.
    return new java.math.BigDecimal(v)
        .round(new java.math.MathContext(4))
        .stripTrailingZeros()
        .toPlainString();
  }

  private static String fixed(double v, int digits) {
    return String.format(Locale.ROOT, "%." + digits + "f", v);
  }

  /**
   * Replaces the text between the {@link #BEGIN} and {@link #END} lines of {@code doc} with {@code
   * section}.
   *
   * @throws IllegalArgumentException if the markers are missing or out of order
   */
  static String replaceSection(String doc, String section, String source) {
    int b = doc.indexOf(BEGIN);
    int e = doc.indexOf(END);
    if (b < 0 || e < b) {
      throw new IllegalArgumentException(
          source + " has no section to update: it needs the lines " + BEGIN + " and " + END);
    }
    return doc.substring(0, b + BEGIN.length()) + "\n" + section + doc.substring(e);
  }
}
