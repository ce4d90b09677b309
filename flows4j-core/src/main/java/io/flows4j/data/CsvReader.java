package io.flows4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a numeric table from a CSV file, plain or gzipped, into a {@link Dataset}.
 *
 * <p>A reader is an immutable set of options; every option method returns a new reader:
 *
 * <pre>{@code
 * Dataset train = CsvReader.create().select("x0,x1").read(Path.of("train.csv.gz"));
 * }</pre>
 *
 * <p>What it accepts:
 *
 * <ul>
 *   <li>gzip compression, recognised by the magic bytes {@code 1f 8b} whatever the file is called;
 *   <li>a header line or none: by default ({@link Header#AUTO}) the first line that is neither
 *       blank nor a comment is a header if one of its fields is not a number, or if its fields are
 *       exactly {@code 0, 1, ..., D-1}, the names pandas gives to unnamed columns. Without a header
 *       the columns are named {@code x0, x1, ...};
 *   <li>delimiter {@code ,}, {@code ;} or tab, detected from the first line unless given;
 *   <li>quoted fields as in RFC 4180 (delimiters, line breaks and doubled quotes inside quotes), a
 *       UTF-8 byte-order mark, {@code \n}, {@code \r\n} or {@code \r} line breaks, blanks around
 *       fields, blank lines before the first row and after the last, and {@code #} comment lines
 *       anywhere (unless {@link #comments(boolean) disabled});
 *   <li>decimal numbers (sign, digits, point, exponent), parsed to the nearest float32.
 * </ul>
 *
 * <p>Column selection: {@link #select(String)} takes a comma-separated list of names, 0-based
 * indexes and inclusive index ranges ({@code "x0,x3"}, {@code "0,3"}, {@code "0-5"}); a token that
 * is the name of a column means that column, even if it also reads as an index. The selection's
 * order is the order of the dataset's columns. {@link #exclude(String)} removes columns, written
 * the same way. Only selected columns are parsed, so other columns may hold text.
 *
 * <p>Everything else is refused with a {@link DataFormatException} whose one-line message names the
 * file, the 1-based line and the column: ragged rows, fields that are not finite numbers (empty,
 * {@code NaN}, {@code Inf}, {@code NA}, out of the float32 range, text), blank lines between rows,
 * a file without data rows, a selected column that does not exist, a number of columns other than
 * the expected one. A file that cannot be read gives an {@link UncheckedIOException} with a message
 * such as {@code data.csv: no such file}.
 */
public final class CsvReader {
  /** Whether the first line is a header. */
  public enum Header {
    /** A header if one of its fields is not a number (or they are {@code 0..D-1}). */
    AUTO,
    /** The first line is a header. */
    PRESENT,
    /** There is no header; the columns are named {@code x0, x1, ...}. */
    ABSENT
  }

  private static final Pattern INDEX = Pattern.compile("\\d{1,9}");
  private static final Pattern RANGE = Pattern.compile("(\\d{1,9})\\s*-\\s*(\\d{1,9})");

  /** Floats per storage block; rows never straddle blocks. */
  private static final int BLOCK = 1 << 20;

  private final Header header;
  private final char delimiter;
  private final boolean comments;
  private final List<Entry> selection;
  private final List<Entry> exclusion;
  private final List<String> expectedNames;
  private final int expectedCount;

  private CsvReader(
      Header header,
      char delimiter,
      boolean comments,
      List<Entry> selection,
      List<Entry> exclusion,
      List<String> expectedNames,
      int expectedCount) {
    this.header = header;
    this.delimiter = delimiter;
    this.comments = comments;
    this.selection = selection;
    this.exclusion = exclusion;
    this.expectedNames = expectedNames;
    this.expectedCount = expectedCount;
  }

  /**
   * A reader with the defaults: header detected, delimiter detected, {@code #} comments, all
   * columns.
   */
  public static CsvReader create() {
    return new CsvReader(Header.AUTO, (char) 0, true, null, List.of(), null, -1);
  }

  /** This reader with the header detected, forced present, or forced absent. */
  public CsvReader header(Header mode) {
    return new CsvReader(
        Objects.requireNonNull(mode, "mode"),
        delimiter,
        comments,
        selection,
        exclusion,
        expectedNames,
        expectedCount);
  }

  /**
   * This reader with a fixed delimiter instead of detection.
   *
   * @throws IllegalArgumentException if {@code c} is a character that can occur in a number, a
   *     quote, a line break or a space
   */
  public CsvReader delimiter(char c) {
    if (c == '"'
        || c == '\n'
        || c == '\r'
        || c == ' '
        || c == '#'
        || c > 127
        || "0123456789.+-eE".indexOf(c) >= 0) {
      throw new IllegalArgumentException(
          "CsvReader.delimiter: the delimiter must be an ASCII character that cannot occur in a"
              + " number, such as ',', ';' or a tab, but was '"
              + c
              + "'");
    }
    return new CsvReader(header, c, comments, selection, exclusion, expectedNames, expectedCount);
  }

  /** This reader with {@code #} comment lines skipped ({@code true}, the default) or not. */
  public CsvReader comments(boolean enabled) {
    return new CsvReader(
        header, delimiter, enabled, selection, exclusion, expectedNames, expectedCount);
  }

  /**
   * This reader keeping only the listed columns, in the listed order: a comma-separated list of
   * column names, 0-based indexes and inclusive ranges {@code a-b}, e.g. {@code "x0,x3"}, {@code
   * "0,3"}, {@code "0-5,7"}.
   *
   * @throws IllegalArgumentException if the list has an empty entry
   */
  public CsvReader select(String columns) {
    return select(splitList(columns));
  }

  /**
   * This reader keeping only the listed columns, in the listed order; each entry is one name, index
   * or range (use this form for names that contain commas).
   *
   * @throws IllegalArgumentException if the list or one of its entries is empty
   */
  public CsvReader select(List<String> columns) {
    return new CsvReader(
        header,
        delimiter,
        comments,
        checkEntries("CsvReader.select", columns),
        exclusion,
        expectedNames,
        expectedCount);
  }

  /**
   * This reader keeping only the columns with the given 0-based indexes, in the given order.
   *
   * @throws IllegalArgumentException if no index is given or an index is negative
   */
  public CsvReader select(int... columnIndexes) {
    if (columnIndexes.length == 0) {
      throw new IllegalArgumentException("CsvReader.select: the column list must not be empty");
    }
    List<Entry> entries = new ArrayList<>();
    for (int j : columnIndexes) {
      if (j < 0) {
        throw new IllegalArgumentException(
            "CsvReader.select: column indexes must be >= 0, but was " + j);
      }
      entries.add(new Entry(Integer.toString(j), true));
    }
    return new CsvReader(
        header, delimiter, comments, List.copyOf(entries), exclusion, expectedNames, expectedCount);
  }

  /**
   * This reader dropping the listed columns (names, indexes, ranges, comma-separated) from the
   * selection, or from all columns if nothing is selected.
   *
   * @throws IllegalArgumentException if the list has an empty entry
   */
  public CsvReader exclude(String columns) {
    return exclude(splitList(columns));
  }

  /**
   * This reader dropping the listed columns, one name, index or range per entry.
   *
   * @throws IllegalArgumentException if the list or one of its entries is empty
   */
  public CsvReader exclude(List<String> columns) {
    return new CsvReader(
        header,
        delimiter,
        comments,
        selection,
        checkEntries("CsvReader.exclude", columns),
        expectedNames,
        expectedCount);
  }

  /**
   * This reader requiring exactly {@code count} columns after selection, for data given to a model
   * trained on that many; otherwise reading fails with {@code X.csv has 3 columns (a, b, c), but
   * the model was trained on 2}.
   *
   * @throws IllegalArgumentException if {@code count <= 0}
   */
  public CsvReader expectColumns(int count) {
    if (count <= 0) {
      throw new IllegalArgumentException(
          "CsvReader.expectColumns: count must be > 0, but was " + count);
    }
    return new CsvReader(header, delimiter, comments, selection, exclusion, null, count);
  }

  /**
   * This reader requiring the columns a model was trained on. When nothing is selected and the
   * file's header has every one of these names, those columns are taken by name, in this order (so
   * extra or reordered columns are handled); otherwise the number of columns must match, or reading
   * fails with {@code X.csv has 3 columns (a, b, c), but the model was trained on 2 (x0, x1)}.
   *
   * @throws IllegalArgumentException if the names are empty, blank or repeated
   */
  public CsvReader expectColumns(List<String> names) {
    List<String> n = Dataset.checkNames("CsvReader.expectColumns", names);
    return new CsvReader(header, delimiter, comments, selection, exclusion, n, n.size());
  }

  /**
   * Reads a file, gzipped or not; messages name it as {@code path.toString()}.
   *
   * @throws DataFormatException if the content is not a valid numeric table (see the class
   *     description); the message names the line and column
   * @throws UncheckedIOException if the file cannot be read ({@code data.csv: no such file})
   */
  public Dataset read(Path path) {
    return read(Sources.open(path), path.toString());
  }

  /**
   * Reads a stream, gzipped or not, and closes it; messages name it {@code sourceName}.
   *
   * @throws DataFormatException if the content is not a valid numeric table
   * @throws UncheckedIOException if the stream cannot be read
   */
  public Dataset read(InputStream stream, String sourceName) {
    try (InputStream in = Sources.decompressed(stream, sourceName)) {
      return parse(new CsvParser(in, sourceName, delimiter, comments), sourceName);
    } catch (IOException e) {
      throw Sources.failure(sourceName, e);
    }
  }

  private Dataset parse(CsvParser p, String source) throws IOException {
    if (!nextContent(p)) {
      throw new DataFormatException(source + ": no data rows (the file is empty)");
    }
    if (p.hasZeroByte()) {
      throw new DataFormatException(source + ": not a text CSV file (it contains zero bytes)");
    }
    int d = p.count();
    boolean hasHeader =
        switch (header) {
          case PRESENT -> true;
          case ABSENT -> false;
          case AUTO -> looksLikeHeader(p);
        };
    List<String> fileNames = hasHeader ? headerNames(p) : Names.defaults(d);
    int[] columns = resolveColumns(source, fileNames, hasHeader);
    List<String> names = new ArrayList<>(columns.length);
    for (int j : columns) {
      names.add(fileNames.get(j));
    }
    checkSelectedNames(source, p, columns, fileNames, hasHeader);
    checkExpected(source, names);

    int width = columns.length;
    int rowsPerBlock = Math.max(1, BLOCK / width);
    List<float[]> blocks = new ArrayList<>();
    float[] block = new float[rowsPerBlock * width];
    int inBlock = 0;
    long rows = 0;
    long blankLine = 0;
    boolean pending = !hasHeader;
    while (pending || p.next()) {
      pending = false;
      if (p.isComment()) {
        continue;
      }
      if (p.isBlank()) {
        if (blankLine == 0) {
          blankLine = p.line();
        }
        continue;
      }
      if (blankLine != 0) {
        throw new DataFormatException(
            source
                + " line "
                + blankLine
                + ": blank line between data rows (more rows follow on line "
                + p.line()
                + ")");
      }
      if (p.count() != d) {
        throw raggedRow(source, p, d, fileNames);
      }
      if (inBlock == rowsPerBlock) {
        blocks.add(block);
        block = new float[rowsPerBlock * width];
        inBlock = 0;
      }
      int at = inBlock * width;
      for (int k = 0; k < width; k++) {
        float v = p.parse(columns[k]);
        if (!Float.isFinite(v)) {
          throw badValue(source, p, columns[k], names.get(k));
        }
        block[at + k] = v;
      }
      inBlock++;
      rows++;
      if (rows * width > Integer.MAX_VALUE - 8) {
        throw new DataFormatException(
            source
                + ": too many values: more than "
                + (rows - 1)
                + " rows of "
                + width
                + " columns do not fit in one array; select fewer columns or split the file");
      }
    }
    if (rows == 0) {
      throw new DataFormatException(
          source + ": no data rows" + (hasHeader ? " (only a header)" : ""));
    }
    float[] values = new float[(int) rows * width];
    int at = 0;
    for (float[] full : blocks) {
      System.arraycopy(full, 0, values, at, full.length);
      at += full.length;
    }
    System.arraycopy(block, 0, values, at, inBlock * width);
    return new Dataset(values, (int) rows, List.copyOf(names), null);
  }

  /** Advances to the first record that is neither blank nor a comment. */
  private static boolean nextContent(CsvParser p) throws IOException {
    while (p.next()) {
      if (!p.isComment() && !p.isBlank()) {
        return true;
      }
    }
    return false;
  }

  private static boolean looksLikeHeader(CsvParser p) {
    int d = p.count();
    boolean defaultNames = d >= 2;
    for (int k = 0; k < d; k++) {
      String t = p.text(k);
      if (!DecimalParser.looksNumeric(t)) {
        return true;
      }
      defaultNames &= t.equals(Integer.toString(k));
    }
    return defaultNames;
  }

  private static List<String> headerNames(CsvParser p) {
    List<String> names = new ArrayList<>(p.count());
    for (int k = 0; k < p.count(); k++) {
      names.add(p.text(k));
    }
    return names;
  }

  /** Turns the selection and exclusion into 0-based file column indexes, in output order. */
  private int[] resolveColumns(String source, List<String> fileNames, boolean hasHeader) {
    Map<String, Integer> byName = new HashMap<>();
    Set<String> repeated = new LinkedHashSet<>();
    for (int j = 0; j < fileNames.size(); j++) {
      if (byName.putIfAbsent(fileNames.get(j), j) != null) {
        repeated.add(fileNames.get(j));
      }
    }
    List<Integer> chosen = new ArrayList<>();
    if (selection != null) {
      for (Entry token : selection) {
        chosen.addAll(resolve(source, token, fileNames, byName, repeated));
      }
    } else if (expectedNames != null
        && exclusion.isEmpty()
        && hasHeader
        && expectedNames.stream().allMatch(n -> byName.containsKey(n) && !repeated.contains(n))) {
      for (String n : expectedNames) {
        chosen.add(byName.get(n));
      }
    } else {
      for (int j = 0; j < fileNames.size(); j++) {
        chosen.add(j);
      }
    }
    for (int k = 0; k < chosen.size(); k++) {
      int j = chosen.get(k);
      int first = chosen.indexOf(j);
      if (first != k) {
        throw new DataFormatException(
            source + ": column " + fileNames.get(j) + " (index " + j + ") is selected twice");
      }
    }
    if (!exclusion.isEmpty()) {
      Set<Integer> drop = new LinkedHashSet<>();
      for (Entry token : exclusion) {
        drop.addAll(resolve(source, token, fileNames, byName, repeated));
      }
      chosen.removeAll(drop);
      if (chosen.isEmpty()) {
        throw new DataFormatException(
            source
                + ": no columns are left after excluding "
                + String.join(",", exclusion.stream().map(Entry::text).toList()));
      }
    }
    return chosen.stream().mapToInt(Integer::intValue).toArray();
  }

  private static List<Integer> resolve(
      String source,
      Entry entry,
      List<String> fileNames,
      Map<String, Integer> byName,
      Set<String> repeated) {
    int d = fileNames.size();
    String token = entry.text();
    Integer j = entry.indexOnly() ? null : byName.get(token);
    if (j != null) {
      if (repeated.contains(token)) {
        throw new DataFormatException(
            source
                + ": several columns are named '"
                + token
                + "'; select them by index ("
                + indexesOf(fileNames, token)
                + ")");
      }
      return List.of(j);
    }
    Matcher m = INDEX.matcher(token);
    if (m.matches()) {
      return List.of(checkIndex(source, Integer.parseInt(token), fileNames));
    }
    m = RANGE.matcher(token);
    if (m.matches()) {
      int a = Integer.parseInt(m.group(1));
      int b = Integer.parseInt(m.group(2));
      if (a > b) {
        throw new DataFormatException(
            source + ": column range " + token + " is empty (write the smaller index first)");
      }
      checkIndex(source, a, fileNames);
      checkIndex(source, b, fileNames);
      List<Integer> r = new ArrayList<>(b - a + 1);
      for (int k = a; k <= b; k++) {
        r.add(k);
      }
      return r;
    }
    throw new DataFormatException(
        source
            + ": no column named '"
            + token
            + "'; the "
            + d
            + (d == 1 ? " column is " : " columns are ")
            + Names.describe(fileNames));
  }

  private static String indexesOf(List<String> names, String name) {
    List<String> idx = new ArrayList<>();
    for (int j = 0; j < names.size(); j++) {
      if (names.get(j).equals(name)) {
        idx.add(Integer.toString(j));
      }
    }
    return String.join(", ", idx);
  }

  private static int checkIndex(String source, int j, List<String> fileNames) {
    int d = fileNames.size();
    if (j >= d) {
      throw new DataFormatException(
          source
              + ": column index "
              + j
              + " is out of range; the file has "
              + d
              + (d == 1 ? " column" : " columns")
              + " ("
              + Names.describe(fileNames)
              + "), indexes 0 to "
              + (d - 1));
    }
    return j;
  }

  /** Selected columns must have names, and distinct ones, to become a dataset. */
  private static void checkSelectedNames(
      String source, CsvParser p, int[] columns, List<String> fileNames, boolean hasHeader) {
    if (!hasHeader) {
      return;
    }
    Map<String, Integer> seen = new HashMap<>();
    for (int j : columns) {
      String n = fileNames.get(j);
      if (n.isBlank()) {
        throw new DataFormatException(
            source
                + " line "
                + p.line()
                + ": column "
                + j
                + " has no name in the header"
                + (j == 0
                    ? " (a row index written by pandas' to_csv? exclude column 0)"
                    : "; name it, or select other columns"));
      }
      Integer before = seen.put(n, j);
      if (before != null) {
        throw new DataFormatException(
            source
                + " line "
                + p.line()
                + ": columns "
                + before
                + " and "
                + j
                + " are both named '"
                + n
                + "'; select one of them by index");
      }
    }
  }

  private void checkExpected(String source, List<String> names) {
    if (expectedCount < 0 || names.size() == expectedCount) {
      return;
    }
    String has =
        selection != null || !exclusion.isEmpty()
            ? source
                + ": "
                + names.size()
                + (names.size() == 1 ? " column is selected" : " columns are selected")
            : source + " has " + names.size() + (names.size() == 1 ? " column" : " columns");
    String trained =
        expectedNames == null
            ? Integer.toString(expectedCount)
            : expectedCount + " (" + Names.describe(expectedNames) + ")";
    throw new DataFormatException(
        has + " (" + Names.describe(names) + "), but the model was trained on " + trained);
  }

  private static DataFormatException raggedRow(
      String source, CsvParser p, int d, List<String> fileNames) {
    String hint = "";
    if (p.count() == d + 1 && p.isEmpty(d)) {
      hint = " (a delimiter at the end of the line?)";
    }
    return new DataFormatException(
        source
            + " line "
            + p.line()
            + ": expected "
            + d
            + (d == 1 ? " column (" : " columns (")
            + Names.describe(fileNames)
            + "), but found "
            + p.count()
            + hint);
  }

  private static DataFormatException badValue(String source, CsvParser p, int field, String name) {
    String where = source + " line " + p.line() + ", column " + name + ": ";
    String text = p.text(field);
    String what =
        switch (DecimalParser.classify(text)) {
          case EMPTY -> "the field is empty; every value must be a finite number";
          case MISSING ->
              "value "
                  + Names.quote(text)
                  + " marks a missing value; every value must be a finite number";
          case NOT_FINITE -> "value " + Names.quote(text) + " is not a finite number";
          case OUT_OF_RANGE ->
              "value "
                  + Names.quote(text)
                  + " is outside the float32 range (magnitude at most "
                  + Float.MAX_VALUE
                  + ")";
          case NOT_A_NUMBER -> "value " + Names.quote(text) + " is not a number" + hint(p, text);
        };
    return new DataFormatException(where + what);
  }

  private static String hint(CsvParser p, String text) {
    if (p.delimiter() != ',' && text.indexOf(',') >= 0) {
      return " (decimal commas are not supported; write 1.5, not 1,5)";
    }
    String[] parts = text.strip().split("[ \t]+");
    if (parts.length > 1
        && Arrays.stream(parts).allMatch(t -> !Float.isNaN(DecimalParser.parse(t)))) {
      return " (are the values separated by spaces rather than '"
          + printable(p.delimiter())
          + "'?)";
    }
    return "";
  }

  private static String printable(char c) {
    return c == '\t' ? "\\t" : String.valueOf(c);
  }

  private static List<String> splitList(String list) {
    Objects.requireNonNull(list, "list");
    List<String> tokens = new ArrayList<>();
    for (String t : list.split(",", -1)) {
      tokens.add(t.strip());
    }
    return tokens;
  }

  private static List<Entry> checkEntries(String op, List<String> tokens) {
    if (tokens.isEmpty()) {
      throw new IllegalArgumentException(op + ": the column list must not be empty");
    }
    List<Entry> entries = new ArrayList<>(tokens.size());
    for (String t : tokens) {
      if (t == null || t.isBlank()) {
        throw new IllegalArgumentException(
            op + ": the column list must not have empty entries, but was " + tokens);
      }
      entries.add(new Entry(t, false));
    }
    return List.copyOf(entries);
  }

  /**
   * One entry of a column list: a name, index or range, or (from {@link #select(int...)}) an index
   * that must not be taken for a column's name.
   */
  private record Entry(String text, boolean indexOnly) {}
}
