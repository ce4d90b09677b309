package io.flows4j.data;

import io.flows4j.io.Json;
import io.flows4j.tensor.Checks;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * How the raw context columns of a conditional model become the context features {@code c} it
 * takes: a numeric column is standardized, {@code (v - mean) / std}, with the constants stored; a
 * categorical column is one-hot encoded from its labels, stored in the order they were first seen
 * (one feature per label, so a column of {@code K} labels gives {@code K} features). The features
 * of the columns follow each other in the order of the columns.
 *
 * <p>An unknown label at use time is refused with a message naming the column, the label and the
 * known labels; a value of a numeric column that is not a number is refused naming the column.
 */
public final class ContextEncoding {

  /**
   * One raw context column.
   *
   * @param name the column's name
   * @param labels the labels of a categorical column, in feature order; empty for a numeric column
   * @param mean the mean of a numeric column (0 for a categorical one)
   * @param std the standard deviation of a numeric column ({@code > 0}; 1 for a categorical one)
   */
  public record Column(String name, List<String> labels, double mean, double std) {
    /** Validates and copies the labels. */
    public Column {
      Checks.requireArgument(name != null && !name.isBlank(), "context column: name is blank");
      labels = List.copyOf(labels);
      Checks.requireArgument(
          new LinkedHashSet<>(labels).size() == labels.size(),
          "context column %s: labels must be distinct, but were %s",
          name,
          labels);
      Checks.requireArgument(
          Double.isFinite(mean) && std > 0 && Double.isFinite(std),
          "context column %s: std must be finite and > 0, but was %s",
          name,
          std);
    }

    /** Whether the column is categorical (has labels). */
    public boolean categorical() {
      return !labels.isEmpty();
    }

    /** The features the column gives: 1, or the number of labels. */
    public int features() {
      return categorical() ? labels.size() : 1;
    }
  }

  private final List<Column> columns;
  private final int features;

  /**
   * An encoding of the given columns.
   *
   * @throws IllegalArgumentException if there are no columns or two share a name
   */
  public ContextEncoding(List<Column> columns) {
    Checks.requireArgument(
        columns != null && !columns.isEmpty(), "ContextEncoding: needs at least one column");
    this.columns = List.copyOf(columns);
    Set<String> names = new LinkedHashSet<>();
    int f = 0;
    for (Column c : this.columns) {
      Checks.requireArgument(
          names.add(c.name()), "ContextEncoding: column %s appears twice", c.name());
      f += c.features();
    }
    this.features = f;
  }

  /**
   * Fits an encoding to raw values: a column is categorical if it is in {@code categorical} or any
   * of its values is not a number; labels are kept in order of first appearance. A numeric column
   * whose values are all equal gets {@code std = 1}.
   *
   * @param values raw values by column name, every column of the same length
   * @param categorical names of columns to treat as categorical whatever their values
   * @throws IllegalArgumentException if there are no columns or rows, or the lengths differ
   */
  public static ContextEncoding fit(Map<String, String[]> values, Set<String> categorical) {
    Checks.requireArgument(!values.isEmpty(), "ContextEncoding.fit: needs at least one column");
    List<Column> out = new ArrayList<>();
    int n = -1;
    for (Map.Entry<String, String[]> e : values.entrySet()) {
      String[] v = e.getValue();
      Checks.requireArgument(
          n < 0 || v.length == n, "ContextEncoding.fit: columns must have equal lengths");
      n = v.length;
      Checks.requireArgument(n > 0, "ContextEncoding.fit: needs at least one row");
      boolean isCategorical = categorical.contains(e.getKey());
      for (String s : v) {
        isCategorical |= !DecimalParser.looksNumeric(s.trim());
      }
      if (isCategorical) {
        LinkedHashSet<String> labels = new LinkedHashSet<>();
        for (String s : v) {
          labels.add(s.trim());
        }
        out.add(new Column(e.getKey(), new ArrayList<>(labels), 0, 1));
      } else {
        double sum = 0;
        for (String s : v) {
          sum += DecimalParser.parse(s.trim());
        }
        double mean = sum / n;
        double sq = 0;
        for (String s : v) {
          double d = DecimalParser.parse(s.trim()) - mean;
          sq += d * d;
        }
        double std = Math.sqrt(sq / n);
        out.add(new Column(e.getKey(), List.of(), mean, std > 0 ? std : 1));
      }
    }
    return new ContextEncoding(out);
  }

  /** The raw columns, in order. */
  public List<Column> columns() {
    return columns;
  }

  /** The raw column names, in order. */
  public List<String> columnNames() {
    List<String> names = new ArrayList<>(columns.size());
    for (Column c : columns) {
      names.add(c.name());
    }
    return names;
  }

  /** The number of context features {@code C} the encoding gives. */
  public int features() {
    return features;
  }

  /**
   * Names of the features: a numeric column's own name, {@code name=label} for each label of a
   * categorical one.
   */
  public List<String> featureNames() {
    List<String> names = new ArrayList<>(features);
    for (Column c : columns) {
      if (c.categorical()) {
        for (String l : c.labels()) {
          names.add(c.name() + "=" + l);
        }
      } else {
        names.add(c.name());
      }
    }
    return names;
  }

  /**
   * Encodes rows of raw values.
   *
   * @param values raw values by column name; must hold every column of this encoding (others are
   *     ignored), all of the same length
   * @return the features, {@code [rows][C]}
   * @throws IllegalArgumentException if a column is missing, a label unknown or a numeric value not
   *     a number, naming the column and the expected values
   */
  public float[][] encode(Map<String, String[]> values) {
    int n = -1;
    for (Column c : columns) {
      String[] v = values.get(c.name());
      if (v == null) {
        throw new IllegalArgumentException(
            "context: column "
                + c.name()
                + " is missing; the model is conditional on "
                + describe()
                + " (given: "
                + String.join(", ", values.keySet())
                + ")");
      }
      Checks.requireArgument(n < 0 || v.length == n, "context: columns must have equal lengths");
      n = v.length;
    }
    float[][] out = new float[n][features];
    int offset = 0;
    for (Column c : columns) {
      String[] v = values.get(c.name());
      for (int i = 0; i < n; i++) {
        String s = v[i].trim();
        if (c.categorical()) {
          int k = c.labels().indexOf(s);
          if (k < 0) {
            throw new IllegalArgumentException(
                String.format(
                    Locale.ROOT,
                    "context: unknown label '%s' in column %s%s; known labels: %s",
                    s,
                    c.name(),
                    n > 1 ? " (row " + (i + 1) + ")" : "",
                    String.join(", ", c.labels())));
          }
          out[i][offset + k] = 1f;
        } else {
          if (!DecimalParser.looksNumeric(s)) {
            throw new IllegalArgumentException(
                String.format(
                    Locale.ROOT,
                    "context: column %s must be a number, but was '%s'%s",
                    c.name(),
                    s,
                    n > 1 ? " (row " + (i + 1) + ")" : ""));
          }
          out[i][offset] = (float) ((DecimalParser.parse(s) - c.mean()) / c.std());
        }
      }
      offset += c.features();
    }
    return out;
  }

  /**
   * Parses one context given as {@code name=value} pairs separated by commas, e.g. {@code
   * "label=3"} or {@code "label=cat,size=2.5"}.
   *
   * @return the values by column name, one row each
   * @throws IllegalArgumentException if a pair is malformed, a column unknown or repeated, or a
   *     column missing
   */
  public Map<String, String[]> parsePairs(String pairs) {
    Map<String, String[]> out = new LinkedHashMap<>();
    for (String pair : pairs.split(",", -1)) {
      int eq = pair.indexOf('=');
      Checks.requireArgument(
          eq > 0,
          "context: '%s' must be name=value pairs separated by commas (the model is conditional on"
              + " %s)",
          pairs,
          describe());
      String name = pair.substring(0, eq).trim();
      Checks.requireArgument(
          columnNames().contains(name),
          "context: unknown column %s; the model is conditional on %s",
          name,
          describe());
      Checks.requireArgument(
          out.put(name, new String[] {pair.substring(eq + 1).trim()}) == null,
          "context: column %s is given twice",
          name);
    }
    for (String name : columnNames()) {
      Checks.requireArgument(
          out.containsKey(name),
          "context: column %s is missing; the model is conditional on %s",
          name,
          describe());
    }
    return out;
  }

  /** The columns as a reader sees them, e.g. {@code label (labels cat, dog), size (numeric)}. */
  public String describe() {
    List<String> parts = new ArrayList<>();
    for (Column c : columns) {
      parts.add(
          c.categorical()
              ? c.name() + " (labels " + String.join(", ", c.labels()) + ")"
              : c.name() + " (numeric)");
    }
    return String.join(", ", parts);
  }

  /** The JSON description stored in model files. */
  public Json.Obj toJson() {
    List<Json> cols = new ArrayList<>();
    for (Column c : columns) {
      Map<String, Json> m = new LinkedHashMap<>();
      m.put("name", Json.of(c.name()));
      if (c.categorical()) {
        List<Json> labels = new ArrayList<>();
        for (String l : c.labels()) {
          labels.add(Json.of(l));
        }
        m.put("labels", Json.array(labels));
      } else {
        m.put("mean", Json.of(c.mean()));
        m.put("std", Json.of(c.std()));
      }
      cols.add(Json.object(m));
    }
    return Json.object(Map.of("columns", Json.array(cols)));
  }

  /**
   * Reads the description written by {@link #toJson()}.
   *
   * @throws IllegalArgumentException if it is invalid
   */
  public static ContextEncoding fromJson(Json.Obj o) {
    List<Column> cols = new ArrayList<>();
    for (Json j : o.getArray("columns").items()) {
      Checks.requireArgument(j instanceof Json.Obj, "context: a column must be an object");
      Json.Obj c = (Json.Obj) j;
      if (c.has("labels")) {
        List<String> labels = new ArrayList<>();
        for (Json l : c.getArray("labels").items()) {
          Checks.requireArgument(l instanceof Json.Str, "context: labels must be strings");
          labels.add(((Json.Str) l).value());
        }
        Checks.requireArgument(!labels.isEmpty(), "context: a categorical column has no labels");
        cols.add(new Column(c.getString("name"), labels, 0, 1));
      } else {
        cols.add(
            new Column(c.getString("name"), List.of(), c.getDouble("mean"), c.getDouble("std")));
      }
    }
    return new ContextEncoding(cols);
  }

  /**
   * Reads columns of a CSV file with a header as text (for categorical context columns, which a
   * numeric {@link Dataset} cannot hold).
   *
   * @param file the file, gzipped or not
   * @param names the columns to read
   * @return the values by column name, in the order of {@code names}
   * @throws DataFormatException if the file has no header with these names or a row is ragged
   */
  public static Map<String, String[]> readColumns(Path file, List<String> names) {
    String source = file.toString();
    try (InputStream in = Sources.decompressed(Sources.open(file), source)) {
      CsvParser p = new CsvParser(in, source, (char) 0, true);
      if (!nextContent(p)) {
        throw new DataFormatException(source + ": no data rows (the file is empty)");
      }
      List<String> header = new ArrayList<>();
      for (int k = 0; k < p.count(); k++) {
        header.add(p.text(k));
      }
      int[] idx = new int[names.size()];
      for (int i = 0; i < idx.length; i++) {
        idx[i] = header.indexOf(names.get(i));
        if (idx[i] < 0) {
          throw new DataFormatException(
              source
                  + ": has no column "
                  + names.get(i)
                  + " (its header is "
                  + String.join(", ", header)
                  + ")");
        }
      }
      List<List<String>> cols = new ArrayList<>();
      for (int i = 0; i < idx.length; i++) {
        cols.add(new ArrayList<>());
      }
      while (nextContent(p)) {
        if (p.count() != header.size()) {
          throw new DataFormatException(
              String.format(
                  Locale.ROOT,
                  "%s: line %d has %d fields, but the header has %d",
                  source,
                  p.line(),
                  p.count(),
                  header.size()));
        }
        for (int i = 0; i < idx.length; i++) {
          cols.get(i).add(p.text(idx[i]));
        }
      }
      Map<String, String[]> out = new LinkedHashMap<>();
      for (int i = 0; i < idx.length; i++) {
        out.put(names.get(i), cols.get(i).toArray(new String[0]));
      }
      return out;
    } catch (IOException e) {
      throw Sources.failure(source, e);
    }
  }

  private static boolean nextContent(CsvParser p) throws IOException {
    while (p.next()) {
      if (!p.isComment() && !p.isBlank()) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "ContextEncoding[" + describe() + "]";
  }
}
