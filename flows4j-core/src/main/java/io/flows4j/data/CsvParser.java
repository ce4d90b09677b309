package io.flows4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Splits a byte stream into CSV records and fields, RFC 4180 style, without creating a string per
 * field: a record's fields are byte ranges of an internal buffer, valid until the next call to
 * {@link #next()}.
 *
 * <p>Rules: records end at {@code \n}, {@code \r\n} or a bare {@code \r}; a field whose first
 * non-blank byte is a double quote is quoted, may contain delimiters, line breaks and doubled
 * quotes {@code ""}, and may be followed only by blanks; unquoted fields are trimmed of spaces (and
 * tabs, unless the tab is the delimiter). A record whose first non-blank byte is {@code #} is a
 * comment when comments are enabled. Line numbers are physical, 1-based, and count the line breaks
 * inside quoted fields.
 *
 * <p>When a record runs past the end of the buffer, the buffer is compacted or grown, refilled, and
 * the record scanned again from its start; records are short next to the 64 KiB buffer, so rescans
 * cost little.
 */
final class CsvParser {
  /** Longest record accepted, so that a file without line breaks cannot exhaust memory. */
  static final int MAX_RECORD_BYTES = 1 << 28;

  private static final int INITIAL_BUFFER = 1 << 16;
  private static final int DONE = 0;
  private static final int MORE = 1;
  private static final int END = 2;

  private final InputStream in;
  private final String source;
  private final boolean comments;
  private byte delimiter;
  private byte[] buf = new byte[INITIAL_BUFFER];
  private int pos;
  private int limit;
  private boolean eof;

  private int[] starts = new int[64];
  private int[] ends = new int[64];
  private boolean[] quoted = new boolean[64];
  private boolean[] escaped = new boolean[64];
  private int count;
  private boolean comment;
  private int recordStart;
  private int recordEnd;
  private int newlinesInside;
  private long recordLine;
  private long nextLine = 1;

  /**
   * Starts reading {@code in}; a delimiter of 0 is detected from the first line that is neither
   * blank nor a comment: whichever of {@code ,}, {@code ;} and tab occurs most often outside quotes
   * ({@code ,} when none does or on a tie).
   *
   * @throws DataFormatException if the start of the stream holds zero bytes (a binary file)
   */
  CsvParser(InputStream in, String source, char delimiter, boolean comments) throws IOException {
    this.in = in;
    this.source = source;
    this.comments = comments;
    fill();
    int scanned = Math.min(limit, 4096);
    for (int i = 0; i < scanned; i++) {
      if (buf[i] == 0) {
        throw new DataFormatException(
            source
                + ": not a text CSV file (it contains zero bytes: binary data, or UTF-16 text?)");
      }
    }
    if (limit >= 3
        && (buf[0] & 0xFF) == 0xEF
        && (buf[1] & 0xFF) == 0xBB
        && (buf[2] & 0xFF) == 0xBF) {
      pos = 3; // a UTF-8 byte-order mark, as spreadsheet programs write
    }
    this.delimiter = delimiter != 0 ? (byte) delimiter : detectDelimiter();
  }

  /** The delimiter in use (given or detected). */
  char delimiter() {
    return (char) delimiter;
  }

  /**
   * Reads the next record.
   *
   * @return false at the end of the input
   * @throws DataFormatException if a quoted field is never closed or is followed by other text
   */
  boolean next() throws IOException {
    while (true) {
      int r = scan();
      if (r == DONE) {
        recordLine = nextLine;
        nextLine += 1 + newlinesInside;
        return true;
      }
      if (r == END) {
        return false;
      }
      refill();
    }
  }

  /** The 1-based line on which the current record starts. */
  long line() {
    return recordLine;
  }

  /** Number of fields in the current record (1 for a blank line). */
  int count() {
    return count;
  }

  /** True if the current record is a comment line. */
  boolean isComment() {
    return comment;
  }

  /** True if the current record is an empty or all-blank line. */
  boolean isBlank() {
    return !comment && count == 1 && !quoted[0] && starts[0] == ends[0];
  }

  /** True if any byte of the current record is zero. */
  boolean hasZeroByte() {
    for (int i = recordStart; i < recordEnd; i++) {
      if (buf[i] == 0) {
        return true;
      }
    }
    return false;
  }

  /** True if field {@code k} was quoted. */
  boolean isQuoted(int k) {
    return quoted[k];
  }

  /** True if field {@code k} is empty (after trimming, or between its quotes). */
  boolean isEmpty(int k) {
    return starts[k] == ends[k];
  }

  /**
   * Parses field {@code k} as a float ({@link DecimalParser#parse}): NaN if it is not a decimal
   * number, infinite if it overflows.
   */
  float parse(int k) {
    return DecimalParser.parse(buf, starts[k], ends[k]);
  }

  /** The text of field {@code k}: UTF-8, trimmed if unquoted, with {@code ""} undoubled. */
  String text(int k) {
    String s = new String(buf, starts[k], ends[k] - starts[k], StandardCharsets.UTF_8);
    return escaped[k] ? s.replace("\"\"", "\"") : s;
  }

  private int scan() {
    final byte[] b = buf;
    final int lim = limit;
    final byte d = delimiter;
    int p = pos;
    count = 0;
    newlinesInside = 0;
    comment = false;
    recordStart = p;
    if (p >= lim) {
      return eof ? END : MORE;
    }
    if (comments) {
      int q = skipBlanks(b, p, lim);
      if (q >= lim && !eof) {
        return MORE;
      }
      if (q < lim && b[q] == '#') {
        comment = true;
        while (q < lim && b[q] != '\n' && b[q] != '\r') {
          q++;
        }
        return endRecord(q);
      }
    }
    int fieldStart = p;
    while (true) {
      int q = skipBlanks(b, fieldStart, lim);
      if (q >= lim && !eof) {
        return MORE;
      }
      if (q < lim && b[q] == '"') {
        int contentStart = q + 1;
        int r = contentStart;
        boolean doubled = false;
        while (true) {
          if (r >= lim) {
            if (!eof) {
              return MORE;
            }
            throw new DataFormatException(
                source + " line " + nextLine + ": a quoted field is never closed");
          }
          byte c = b[r];
          if (c == '"') {
            if (r + 1 >= lim && !eof) {
              return MORE;
            }
            if (r + 1 < lim && b[r + 1] == '"') {
              doubled = true;
              r += 2;
              continue;
            }
            break;
          }
          if (c == '\n') {
            newlinesInside++;
          }
          r++;
        }
        int contentEnd = r;
        r = skipBlanks(b, r + 1, lim);
        if (r >= lim && !eof) {
          return MORE;
        }
        addField(contentStart, contentEnd, true, doubled);
        if (r >= lim) {
          return endRecord(r);
        }
        if (b[r] == d) {
          fieldStart = r + 1;
          continue;
        }
        if (b[r] == '\n' || b[r] == '\r') {
          return endRecord(r);
        }
        throw new DataFormatException(
            source
                + " line "
                + nextLine
                + ": unexpected text after the closing quote in column "
                + (count - 1)
                + " (a quote inside a quoted field must be doubled: \"\")");
      }
      int r = q;
      while (r < lim) {
        byte c = b[r];
        if (c == d || c == '\n' || c == '\r') {
          break;
        }
        r++;
      }
      if (r >= lim && !eof) {
        return MORE;
      }
      int e = r;
      while (e > q && isBlank(b[e - 1])) {
        e--;
      }
      addField(q, e, false, false);
      if (r < lim && b[r] == d) {
        fieldStart = r + 1;
        continue;
      }
      return endRecord(r);
    }
  }

  /** Ends the record at the line break (or end of input) at {@code r}, consuming the break. */
  private int endRecord(int r) {
    recordEnd = r;
    if (r >= limit) {
      pos = r;
      return DONE;
    }
    if (buf[r] == '\r') {
      if (r + 1 >= limit && !eof) {
        return MORE;
      }
      pos = r + 1 < limit && buf[r + 1] == '\n' ? r + 2 : r + 1;
      return DONE;
    }
    pos = r + 1;
    return DONE;
  }

  private void addField(int start, int end, boolean isQuoted, boolean isEscaped) {
    if (count == starts.length) {
      int n = count * 2;
      starts = Arrays.copyOf(starts, n);
      ends = Arrays.copyOf(ends, n);
      quoted = Arrays.copyOf(quoted, n);
      escaped = Arrays.copyOf(escaped, n);
    }
    starts[count] = start;
    ends[count] = end;
    quoted[count] = isQuoted;
    escaped[count] = isEscaped;
    count++;
  }

  private int skipBlanks(byte[] b, int p, int lim) {
    while (p < lim && isBlank(b[p])) {
      p++;
    }
    return p;
  }

  private boolean isBlank(byte c) {
    return c == ' ' || (c == '\t' && delimiter != '\t');
  }

  /** Makes room after a partial record (compacting, or growing the buffer) and reads more. */
  private void refill() throws IOException {
    if (pos > 0) {
      System.arraycopy(buf, pos, buf, 0, limit - pos);
      limit -= pos;
      pos = 0;
    } else if (limit == buf.length) {
      if (buf.length >= MAX_RECORD_BYTES) {
        throw new DataFormatException(
            source
                + " line "
                + nextLine
                + ": the line is longer than "
                + (MAX_RECORD_BYTES >> 20)
                + " MiB; is this a CSV file?");
      }
      buf = Arrays.copyOf(buf, buf.length * 2);
    }
    fill();
  }

  /** Reads until the buffer is full or the input ends. */
  private void fill() throws IOException {
    while (limit < buf.length) {
      int n = in.read(buf, limit, buf.length - limit);
      if (n < 0) {
        eof = true;
        return;
      }
      limit += n;
    }
  }

  private byte detectDelimiter() {
    int p = pos;
    while (p < limit) {
      int lineEnd = p;
      int commas = 0;
      int tabs = 0;
      int semicolons = 0;
      boolean inQuotes = false;
      boolean content = false;
      boolean isComment = false;
      for (; lineEnd < limit; lineEnd++) {
        byte c = buf[lineEnd];
        if (c == '"') {
          inQuotes = !inQuotes;
        } else if (!inQuotes && (c == '\n' || c == '\r')) {
          break;
        } else if (!inQuotes && c == ',') {
          commas++;
        } else if (!inQuotes && c == '\t') {
          tabs++;
        } else if (!inQuotes && c == ';') {
          semicolons++;
        }
        if (!content && c != ' ' && c != '\t') {
          content = true;
          isComment = comments && c == '#';
        }
      }
      if (content && !isComment) {
        if (semicolons > commas && semicolons >= tabs) {
          return ';';
        }
        return tabs > commas ? (byte) '\t' : (byte) ',';
      }
      p = lineEnd + 1;
    }
    return ',';
  }
}
