package io.flows4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CsvReaderTest {
  @TempDir Path dir;

  private static Dataset read(String content) {
    return read(CsvReader.create(), content);
  }

  private static Dataset read(CsvReader reader, String content) {
    return reader.read(stream(content.getBytes(StandardCharsets.UTF_8)), "data.csv");
  }

  private static InputStream stream(byte[] bytes) {
    return new ByteArrayInputStream(bytes);
  }

  private static byte[] gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(b)) {
      out.write(bytes);
    }
    return b.toByteArray();
  }

  private static void assertFails(String content, String message) {
    assertFails(CsvReader.create(), content, message);
  }

  private static void assertFails(CsvReader reader, String content, String message) {
    assertThatThrownBy(() -> read(reader, content))
        .isInstanceOf(DataFormatException.class)
        .hasMessage(message);
  }

  private static float[] flat(Dataset d) {
    return d.toTensor().toArray();
  }

  // ---- what it accepts ----

  @Test
  void readsHeaderAndRows() {
    Dataset d = read("x0,x1\n1.5,-2\n3e2,.25\n");
    assertThat(d.columnNames()).containsExactly("x0", "x1");
    assertThat(d.rows()).isEqualTo(2);
    assertThat(flat(d)).containsExactly(1.5f, -2f, 300f, 0.25f);
    assertThat(d.hasLabels()).isFalse();
  }

  @Test
  void withoutHeaderTheColumnsGetDefaultNames() {
    Dataset d = read("1,2,3\n4,5,6");
    assertThat(d.columnNames()).containsExactly("x0", "x1", "x2");
    assertThat(flat(d)).containsExactly(1f, 2f, 3f, 4f, 5f, 6f);
  }

  @Test
  void theHeaderCanBeForcedPresentOrAbsent() {
    Dataset present = read(CsvReader.create().header(CsvReader.Header.PRESENT), "1,2\n3,4\n");
    assertThat(present.columnNames()).containsExactly("1", "2");
    assertThat(flat(present)).containsExactly(3f, 4f);
    assertFails(
        CsvReader.create().header(CsvReader.Header.ABSENT),
        "a,b\n3,4\n",
        "data.csv line 1, column x0: value 'a' is not a number");
  }

  @Test
  @DisplayName("the default names pandas writes (0,1,2) are recognised as a header")
  void pandasDefaultHeaderIsAHeader() {
    Dataset d = read("0,1,2\n0.5,0.25,2\n");
    assertThat(d.columnNames()).containsExactly("0", "1", "2");
    assertThat(d.rows()).isEqualTo(1);
  }

  @Test
  void aHeaderWithSomeNumericNamesIsStillAHeader() {
    Dataset d = read("x,2\n1,2\n");
    assertThat(d.columnNames()).containsExactly("x", "2");
    assertThat(d.rows()).isEqualTo(1);
  }

  @Test
  void gzipIsDetectedByMagicBytesNotByName() throws IOException {
    byte[] gz = gzip("x0,x1\n1,2\n".getBytes(StandardCharsets.UTF_8));
    Path misnamed = dir.resolve("plain-looking.csv");
    Files.write(misnamed, gz);
    assertThat(flat(CsvReader.create().read(misnamed))).containsExactly(1f, 2f);
    Path plainGz = dir.resolve("not-compressed.csv.gz");
    Files.writeString(plainGz, "x0,x1\n3,4\n");
    assertThat(flat(CsvReader.create().read(plainGz))).containsExactly(3f, 4f);
  }

  @Test
  @DisplayName("RFC 4180 quoted header names: delimiters, doubled quotes, line breaks")
  void quotedHeaderNames() {
    Dataset d = read("\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\", plain \n1,2,3,4\n5,6,7,8\n");
    assertThat(d.columnNames()).containsExactly("a,b", "say \"hi\"", "two\nlines", "plain");
    assertThat(flat(d)).containsExactly(1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f);
  }

  @Test
  void lineNumbersCountLineBreaksInsideQuotes() {
    assertFails(
        "\"two\nlines\",b\n1,2\n3,x\n", "data.csv line 4, column b: value 'x' is not a number");
  }

  @Test
  void quotedNumbersAreNumbers() {
    assertThat(flat(read("a,b\n\"1.5\", \"2\"\n"))).containsExactly(1.5f, 2f);
  }

  @Test
  void blanksCrLfBomAndBlankTrailingLinesAreAccepted() {
    Dataset d = read("\uFEFF\r\n x0 ,\tx1\r\n 1 , 2\t\r\n3,4\r\n\r\n   \n\n");
    assertThat(d.columnNames()).containsExactly("x0", "x1");
    assertThat(flat(d)).containsExactly(1f, 2f, 3f, 4f);
  }

  @Test
  void bareCarriageReturnsEndLines() {
    assertThat(flat(read("x0,x1\r1,2\r3,4"))).containsExactly(1f, 2f, 3f, 4f);
  }

  @Test
  void commentLinesAreSkippedUnlessDisabled() {
    String content = "# made by a tool\nx0,x1\n# a comment\n1,2\n  # indented\n3,4\n";
    assertThat(flat(read(content))).containsExactly(1f, 2f, 3f, 4f);
    assertFails(
        CsvReader.create().comments(false).header(CsvReader.Header.ABSENT),
        "# c\n1,2\n",
        "data.csv line 1, column x0: value '# c' is not a number");
  }

  @ParameterizedTest
  @ValueSource(strings = {"x0;x1\n1.5;2\n", "x0\tx1\n1.5\t2\n", "x0,x1\n1.5,2\n"})
  void delimiterIsDetected(String content) {
    Dataset d = read(content);
    assertThat(d.columnNames()).containsExactly("x0", "x1");
    assertThat(flat(d)).containsExactly(1.5f, 2f);
  }

  @Test
  void delimiterCanBeGiven() {
    Dataset d = read(CsvReader.create().delimiter('|'), "a|b\n1|2\n");
    assertThat(d.columnNames()).containsExactly("a", "b");
    assertThatThrownBy(() -> CsvReader.create().delimiter('.'))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the delimiter must be an ASCII character");
  }

  @Test
  void recordsSpanningBufferBoundariesAreRead() {
    // Enough rows (with CRLF, quotes and a 100 KiB quoted header name) to cross many 64 KiB
    // buffer refills and one buffer growth.
    SplittableRandom r = new SplittableRandom(21);
    String longName = "n".repeat(100_000);
    StringBuilder sb = new StringBuilder("\"" + longName + "\",b,\"c\"\r\n");
    float[] expected = new float[3 * 20_000];
    for (int i = 0; i < 20_000; i++) {
      for (int j = 0; j < 3; j++) {
        float v = (float) r.nextGaussian();
        expected[3 * i + j] = v;
        sb.append(j == 0 ? "" : ",").append(j == 2 ? "\"" + v + "\"" : Float.toString(v));
      }
      sb.append("\r\n");
    }
    Dataset d = read(sb.toString());
    assertThat(d.columnNames()).containsExactly(longName, "b", "c");
    assertThat(flat(d)).isEqualTo(expected);
  }

  @Test
  void readsManyColumns() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 5000; j++) {
        sb.append(j == 0 ? "" : ",").append(i * 5000 + j);
      }
      sb.append('\n');
    }
    Dataset d = read(CsvReader.create().header(CsvReader.Header.ABSENT), sb.toString());
    assertThat(d.columns()).isEqualTo(5000);
    assertThat(d.get(2, 4999)).isEqualTo(14999f);
  }

  // ---- column selection ----

  @Test
  void selectsByNameIndexAndRangeInTheGivenOrder() {
    String content = "a,b,c,d,e,f\n0,1,2,3,4,5\n";
    assertThat(read(CsvReader.create().select("e,a"), content).columnNames())
        .containsExactly("e", "a");
    assertThat(flat(read(CsvReader.create().select("3,0"), content))).containsExactly(3f, 0f);
    assertThat(flat(read(CsvReader.create().select("1-3,5"), content)))
        .containsExactly(1f, 2f, 3f, 5f);
    assertThat(flat(read(CsvReader.create().select(4, 2), content))).containsExactly(4f, 2f);
    assertThat(flat(read(CsvReader.create().select(List.of("a", "0-0")), "a,0-0\n7,8\n")))
        .as("a name wins over a range of the same spelling")
        .containsExactly(7f, 8f);
    assertThat(
            flat(
                read(
                    CsvReader.create().header(CsvReader.Header.PRESENT).select("0"), "1,0\n7,8\n")))
        .as("a name wins over an index of the same spelling")
        .containsExactly(8f);
    assertThat(
            flat(read(CsvReader.create().header(CsvReader.Header.PRESENT).select(0), "1,0\n7,8\n")))
        .as("select(int...) means indexes, whatever the names")
        .containsExactly(7f);
  }

  @Test
  void excludesColumns() {
    String content = "id,x0,x1,label\n1,0.5,0.25,cat\n2,1.5,1.25,dog\n";
    Dataset d = read(CsvReader.create().exclude("id,label"), content);
    assertThat(d.columnNames()).containsExactly("x0", "x1");
    assertThat(flat(d)).containsExactly(0.5f, 0.25f, 1.5f, 1.25f);
    assertThat(read(CsvReader.create().select("0-2").exclude("0"), content).columnNames())
        .containsExactly("x0", "x1");
  }

  @Test
  void unselectedColumnsMayHoldText() {
    Dataset d = read(CsvReader.create().select("x"), "name,x\n\"Smith, J.\",1\nNaN,2\n");
    assertThat(flat(d)).containsExactly(1f, 2f);
  }

  @Test
  void selectionErrorsNameTheColumns() {
    String content = "x0,x1\n1,2\n";
    assertFails(
        CsvReader.create().select("x0,x9"),
        content,
        "data.csv: no column named 'x9'; the 2 columns are x0, x1");
    assertFails(
        CsvReader.create().select("5"),
        content,
        "data.csv: column index 5 is out of range; the file has 2 columns (x0, x1), indexes 0 to"
            + " 1");
    assertFails(
        CsvReader.create().select("1-0"),
        content,
        "data.csv: column range 1-0 is empty (write the smaller index first)");
    assertFails(
        CsvReader.create().select("x0,0"),
        content,
        "data.csv: column x0 (index 0) is selected twice");
    assertFails(
        CsvReader.create().exclude("0-1"),
        content,
        "data.csv: no columns are left after excluding 0-1");
    assertThatThrownBy(() -> CsvReader.create().select("x0,,x1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "CsvReader.select: the column list must not have empty entries, but was [x0, , x1]");
  }

  @Test
  void wideTablesAreAbbreviatedInMessages() {
    StringBuilder header = new StringBuilder();
    for (int j = 0; j < 784; j++) {
      header.append(j == 0 ? "" : ",").append('p').append(j);
    }
    assertFails(
        CsvReader.create().select("q"),
        header + "\n",
        "data.csv: no column named 'q'; the 784 columns are p0, p1, p2, p3, p4, p5, ..., p783");
  }

  @Test
  void repeatedOrMissingHeaderNamesMustBeSelectedAround() {
    assertFails(
        "a,b,a\n1,2,3\n",
        "data.csv line 1: columns 0 and 2 are both named 'a'; select one of them" + " by index");
    assertThat(flat(read(CsvReader.create().select("0,1"), "a,b,a\n1,2,3\n")))
        .containsExactly(1f, 2f);
    assertFails(
        CsvReader.create().select("a"),
        "a,b,a\n1,2,3\n",
        "data.csv: several columns are named 'a'; select them by index (0, 2)");
    assertFails(
        ",x0,x1\n0,1.5,2\n",
        "data.csv line 1: column 0 has no name in the header (a row index written by pandas'"
            + " to_csv? exclude column 0)");
    assertThat(flat(read(CsvReader.create().exclude("0"), ",x0,x1\n0,1.5,2\n")))
        .containsExactly(1.5f, 2f);
  }

  // ---- expected columns ----

  @Test
  void expectedColumnCountIsChecked() {
    assertThatThrownBy(
            () ->
                CsvReader.create()
                    .expectColumns(List.of("x0", "x1"))
                    .read(stream("a,b,c\n1,2,3\n".getBytes(StandardCharsets.UTF_8)), "X.csv"))
        .isInstanceOf(DataFormatException.class)
        .hasMessage("X.csv has 3 columns (a, b, c), but the model was trained on 2 (x0, x1)");
    assertFails(
        CsvReader.create().expectColumns(2),
        "1\n2\n",
        "data.csv has 1 column (x0), but the model was trained on 2");
    assertFails(
        CsvReader.create().select("a").expectColumns(List.of("x0", "x1")),
        "a,b,c\n1,2,3\n",
        "data.csv: 1 column is selected (a), but the model was trained on 2 (x0, x1)");
    assertThat(flat(read(CsvReader.create().expectColumns(2), "a,b\n1,2\n")))
        .containsExactly(1f, 2f);
  }

  @Test
  void expectedNamesAreFoundByNameWhenTheHeaderHasThemAll() {
    Dataset d =
        read(CsvReader.create().expectColumns(List.of("x0", "x1")), "id,x1,x0\n7,2.5,1.5\n");
    assertThat(d.columnNames()).containsExactly("x0", "x1");
    assertThat(flat(d)).containsExactly(1.5f, 2.5f);
  }

  // ---- bad data ----

  @Test
  @DisplayName("ragged rows: data.csv line 17: expected 2 columns (x0, x1), but found 3")
  void raggedRows() {
    StringBuilder sb = new StringBuilder("x0,x1\n");
    for (int i = 2; i < 17; i++) {
      sb.append(i).append(",0\n");
    }
    sb.append("1,2,3\n4,5\n");
    assertFails(sb.toString(), "data.csv line 17: expected 2 columns (x0, x1), but found 3");
    assertFails("x0,x1\n1,2\n3\n", "data.csv line 3: expected 2 columns (x0, x1), but found 1");
    assertFails(
        "x0,x1\n1,2,\n",
        "data.csv line 2: expected 2 columns (x0, x1), but found 3 (a delimiter at the end of the"
            + " line?)");
  }

  @Test
  void raggedRowMessageNamesTheFileByItsPath() throws IOException {
    Path file = dir.resolve("data.csv");
    Files.writeString(file, "x0,x1\n1,2\n3,4,5\n");
    assertThatThrownBy(() -> CsvReader.create().read(file))
        .isInstanceOf(DataFormatException.class)
        .hasMessage(file + " line 3: expected 2 columns (x0, x1), but found 3");
  }

  @Test
  void nonNumericFieldsAreQuoted() {
    assertFails("x0,x1\n1,2\n3,abc\n", "data.csv line 3, column x1: value 'abc' is not a number");
    assertFails("x0,x1\n1,0x1p3\n", "data.csv line 2, column x1: value '0x1p3' is not a number");
    assertFails(
        "x0;x1\n1;2,5\n",
        "data.csv line 2, column x1: value '2,5' is not a number (decimal commas are not"
            + " supported; write 1.5, not 1,5)");
    assertFails(
        "x0 x1\n1 2\n",
        "data.csv line 2, column x0 x1: value '1 2' is not a number (are the values separated by"
            + " spaces rather than ','?)");
    assertFails(
        "x0,x1\n1,\"" + "y".repeat(60) + "\"\n",
        "data.csv line 2, column x1: value 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy...' is not a"
            + " number");
  }

  @ParameterizedTest
  @ValueSource(strings = {"NaN", "nan", "Inf", "-inf", "Infinity", "+Infinity"})
  @DisplayName("NaN and infinities: line 5, column x1: value 'NaN' is not a finite number")
  void nonFiniteValues(String value) {
    assertFails(
        "x0,x1\n1,2\n3,4\n5,6\n7," + value + "\n",
        "data.csv line 5, column x1: value '" + value + "' is not a finite number");
  }

  @Test
  void emptyMissingAndOutOfRangeFields() {
    assertFails(
        "x0,x1\n1,\n",
        "data.csv line 2, column x1: the field is empty; every value must be a finite number");
    assertFails(
        "x0,x1\n,1\n",
        "data.csv line 2, column x0: the field is empty; every value must be a finite number");
    assertFails(
        "x0,x1\n1,\"\"\n",
        "data.csv line 2, column x1: the field is empty; every value must be a finite number");
    assertFails(
        "x0,x1\n1,NA\n",
        "data.csv line 2, column x1: value 'NA' marks a missing value; every value must be a"
            + " finite number");
    assertFails(
        "x0,x1\n1,-1e39\n",
        "data.csv line 2, column x1: value '-1e39' is outside the float32 range (magnitude at most"
            + " 3.4028235E38)");
  }

  @Test
  void aFirstRowWithNaNIsDataNotAHeader() {
    assertFails("1,NaN\n", "data.csv line 1, column x1: value 'NaN' is not a finite number");
  }

  @Test
  void emptyFilesAndHeadersWithoutRows() {
    assertFails("", "data.csv: no data rows (the file is empty)");
    assertFails("\n\n  \n# only a comment\n", "data.csv: no data rows (the file is empty)");
    assertFails("x0,x1\n", "data.csv: no data rows (only a header)");
    assertFails("x0,x1\n\n# nothing\n\n", "data.csv: no data rows (only a header)");
  }

  @Test
  void blankLinesBetweenRowsAreRefused() {
    assertFails(
        "x0,x1\n1,2\n\n3,4\n",
        "data.csv line 3: blank line between data rows (more rows follow on line 4)");
  }

  @Test
  void malformedQuotes() {
    assertFails("\"x0,x1\n1,2\n", "data.csv line 1: a quoted field is never closed");
    assertFails(
        "\"x0\"z,x1\n1,2\n",
        "data.csv line 1: unexpected text after the closing quote in column 0 (a quote inside a"
            + " quoted field must be doubled: \"\")");
  }

  @Test
  void missingFileDirectoryAndBinaryFiles() throws IOException {
    Path missing = dir.resolve("data.csv");
    assertThatThrownBy(() -> CsvReader.create().read(missing))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessage(missing + ": no such file");
    assertThatThrownBy(() -> CsvReader.create().read(dir))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessage(dir + ": is a directory, not a file");
    byte[] binary = {0, 0, 8, 1, 0, 0, 0, 2, 5, 7};
    assertThatThrownBy(() -> CsvReader.create().read(stream(binary), "labels.idx"))
        .isInstanceOf(DataFormatException.class)
        .hasMessage(
            "labels.idx: not a text CSV file (it contains zero bytes: binary data, or UTF-16"
                + " text?)");
    byte[] zip = {'P', 'K', 3, 4, 20, 0, 0, 0};
    assertThatThrownBy(() -> CsvReader.create().read(stream(zip), "data.zip"))
        .isInstanceOf(DataFormatException.class)
        .hasMessage("data.zip: the file is a ZIP archive; decompress it first (gzip is supported)");
  }

  @Test
  void truncatedAndCorruptGzip() throws IOException {
    StringBuilder sb = new StringBuilder("x0,x1\n");
    SplittableRandom r = new SplittableRandom(22);
    for (int i = 0; i < 5000; i++) {
      sb.append(r.nextDouble()).append(',').append(r.nextDouble()).append('\n');
    }
    byte[] gz = gzip(sb.toString().getBytes(StandardCharsets.UTF_8));
    byte[] truncated = Arrays.copyOf(gz, gz.length / 2);
    assertThatThrownBy(() -> CsvReader.create().read(stream(truncated), "data.csv.gz"))
        .isInstanceOf(DataFormatException.class)
        .hasMessage(
            "data.csv.gz: the file ends too early (truncated gzip data or incomplete copy)");
    byte[] corrupt = gz.clone();
    for (int i = 20; i < 60; i++) {
      corrupt[i] = (byte) 0xFF;
    }
    assertThatThrownBy(() -> CsvReader.create().read(stream(corrupt), "data.csv.gz"))
        .isInstanceOf(DataFormatException.class)
        .hasMessageStartingWith("data.csv.gz: corrupt gzip data (");
  }

  @Test
  void readsLargeGzippedFileExactly() throws IOException {
    // 50,000 x 4 values written %.6g-style and by Float.toString, gzipped: every value exact.
    SplittableRandom r = new SplittableRandom(23);
    StringBuilder sb = new StringBuilder("a,b,c,d\n");
    float[] expected = new float[50_000 * 4];
    for (int i = 0; i < 50_000; i++) {
      for (int j = 0; j < 4; j++) {
        double x = r.nextGaussian() * Math.pow(10, r.nextInt(-8, 8));
        String s = j % 2 == 0 ? String.format(Locale.ROOT, "%.6g", x) : Float.toString((float) x);
        expected[4 * i + j] = Float.parseFloat(s);
        sb.append(j == 0 ? "" : ",").append(s);
      }
      sb.append('\n');
    }
    Path file = dir.resolve("big.csv.gz");
    Files.write(file, gzip(sb.toString().getBytes(StandardCharsets.UTF_8)));
    Dataset d = CsvReader.create().read(file);
    assertThat(d.rows()).isEqualTo(50_000);
    assertThat(flat(d)).isEqualTo(expected);
  }
}
