package io.flows4j.io;

import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32C;

/**
 * Reads and writes named float32 tensors in the safetensors layout, which other tools (the Python
 * {@code safetensors} package, PyTorch, JAX) read too:
 *
 * <pre>
 * [8 bytes: header length N, unsigned little-endian]
 * [N bytes: UTF-8 JSON header, padded with spaces to a multiple of 8]
 *   {"__metadata__": {"key": "value", ...},
 *    "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
 * [the tensor data, little-endian float32, offsets relative to the end of the header]
 * </pre>
 *
 * <p>Files are written atomically: to a temporary file in the same directory, forced to disk, then
 * moved over the target, so a crash leaves either the old file or the new one, never a torn one.
 * The writer also stores a CRC-32C of the data section under the metadata key {@value #CRC_KEY};
 * the reader checks it when present, so flipped bits in the weights are caught. Reading checks the
 * header length, the UTF-8 and JSON of the header, every dtype, shape and offset, that the tensors
 * tile the data section exactly, and the total file length; any failure is a {@link
 * FileFormatException} with a one-line message saying what is wrong.
 */
public final class SafeTensors {
  /** Metadata key under which the writer stores the data section's CRC-32C (8 hex digits). */
  public static final String CRC_KEY = "flows4j.crc32c";

  /** Largest header accepted, as in the reference implementation (100 MB). */
  public static final long MAX_HEADER_BYTES = 100_000_000L;

  private static final String METADATA = "__metadata__";
  private static final int HEADER_ALIGNMENT = 8;

  private SafeTensors() {}

  /**
   * The contents of a file.
   *
   * @param tensors tensors by name, in header order
   * @param metadata the string metadata (empty when the file has none)
   */
  public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {
    /** Makes both maps unmodifiable, keeping their order. */
    public Contents {
      tensors = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
      metadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }
  }

  /**
   * Writes {@code tensors} (in iteration order) and {@code metadata} to {@code file} atomically.
   *
   * @param file the target; its directory must exist
   * @param tensors tensors by name; names must be non-empty and not {@code __metadata__}
   * @param metadata free-form string metadata (may be empty); {@value #CRC_KEY} is added
   * @throws IllegalArgumentException for an invalid or reserved tensor name
   * @throws IOException if writing or the final move fails (the target is then left unchanged)
   */
  public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
      throws IOException {
    byte[] bytes = encode(tensors, metadata);
    Path target = file.toAbsolutePath();
    Path dir = target.getParent();
    // A random name created with CREATE_NEW, not Files.createTempFile: the latter makes the file
    // owner-only (rw-------), while a model file should get the permissions the user's umask
    // gives every other output.
    String random = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    Path tmp = dir.resolve("." + target.getFileName() + "." + random + ".tmp");
    try {
      try (FileChannel ch =
          FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true);
      }
      try {
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        // File systems without atomic rename still get a complete file, just not atomically.
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Reads a file written by {@link #write} or by any safetensors writer (float32 tensors only).
   *
   * @throws FileFormatException if the file is truncated, corrupted or not float32 safetensors
   * @throws IOException if reading fails
   */
  public static Contents read(Path file) throws IOException {
    long size = Files.size(file);
    if (size > Integer.MAX_VALUE - 8) {
      throw new FileFormatException(
          file + ": file is " + size + " bytes; files over 2 GiB are not supported");
    }
    return decode(Files.readAllBytes(file), file.toString());
  }

  /**
   * The bytes of a file holding {@code tensors} and {@code metadata}, exactly what {@link #write}
   * writes (for writers that stream the file themselves, e.g. through an atomic-file helper).
   *
   * @throws IllegalArgumentException for an invalid or reserved tensor name
   */
  public static byte[] encode(Map<String, Tensor> tensors, Map<String, String> metadata) {
    Map<String, Json> meta = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      if (!e.getKey().equals(CRC_KEY)) {
        meta.put(e.getKey(), Json.of(e.getValue()));
      }
    }
    long dataBytes = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      String name = e.getKey();
      if (name.isEmpty() || name.equals(METADATA)) {
        throw new IllegalArgumentException(
            "SafeTensors.write: tensor name must be non-empty and not "
                + METADATA
                + ", but was '"
                + name
                + "'");
      }
      dataBytes += 4L * e.getValue().size();
    }
    if (dataBytes > Integer.MAX_VALUE - (1 << 20)) {
      throw new IllegalArgumentException(
          "SafeTensors.write: tensors must total under 2 GiB, but have " + dataBytes + " bytes");
    }
    ByteBuffer data = ByteBuffer.allocate((int) dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    Map<String, Json> header = new LinkedHashMap<>();
    header.put(METADATA, Json.object(Map.of()));
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      Tensor t = e.getValue();
      long begin = data.position();
      data.asFloatBuffer().put(t.data(), t.offset(), t.size());
      data.position(data.position() + 4 * t.size());
      List<Json> shape = new ArrayList<>();
      for (int d : t.shape().dims()) {
        shape.add(Json.of(d));
      }
      Map<String, Json> entry = new LinkedHashMap<>();
      entry.put("dtype", Json.of("F32"));
      entry.put("shape", Json.array(shape));
      entry.put("data_offsets", Json.array(List.of(Json.of(begin), Json.of(data.position()))));
      header.put(e.getKey(), Json.object(entry));
    }
    CRC32C crc = new CRC32C();
    crc.update(data.array(), 0, data.capacity());
    meta.put(CRC_KEY, Json.of(String.format(Locale.ROOT, "%08x", crc.getValue())));
    header.put(METADATA, Json.object(meta));
    byte[] json = Json.object(header).write().getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + HEADER_ALIGNMENT - 1) / HEADER_ALIGNMENT * HEADER_ALIGNMENT;
    ByteBuffer out =
        ByteBuffer.allocate(8 + padded + data.capacity()).order(ByteOrder.LITTLE_ENDIAN);
    out.putLong(padded);
    out.put(json);
    for (int i = json.length; i < padded; i++) {
      out.put((byte) ' ');
    }
    out.put(data.array());
    return out.array();
  }

  /** Parses and validates the bytes of a file; {@code source} names it in messages. */
  static Contents decode(byte[] bytes, String source) throws FileFormatException {
    String p = source + ": ";
    if (bytes.length < 8) {
      throw new FileFormatException(
          p + "file is " + bytes.length + " bytes, too short for the 8-byte header length");
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long headerLength = buf.getLong(0);
    if (headerLength < 2 || headerLength > MAX_HEADER_BYTES || headerLength > bytes.length - 8L) {
      throw new FileFormatException(
          p
              + "header length must be 2 to "
              + Math.min(MAX_HEADER_BYTES, bytes.length - 8L)
              + " bytes for this "
              + bytes.length
              + "-byte file, but was "
              + Long.toUnsignedString(headerLength)
              + " (truncated or not a safetensors file)");
    }
    int n = (int) headerLength;
    String text;
    try {
      CharBuffer chars =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes, 8, n));
      text = chars.toString();
    } catch (CharacterCodingException e) {
      throw new FileFormatException(p + "header is not valid UTF-8");
    }
    if (!text.startsWith("{")) {
      throw new FileFormatException(p + "header must be a JSON object starting with '{'");
    }
    Json.Obj header;
    try {
      if (!(Json.parse(text) instanceof Json.Obj o)) {
        throw new FileFormatException(p + "header must be a JSON object");
      }
      header = o;
    } catch (JsonException e) {
      throw new FileFormatException(p + "header is not valid JSON: " + e.getMessage());
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    List<Entry> entries = new ArrayList<>();
    for (Map.Entry<String, Json> m : header.members().entrySet()) {
      if (m.getKey().equals(METADATA)) {
        readMetadata(m.getValue(), metadata, p);
      } else {
        entries.add(readEntry(m.getKey(), m.getValue(), p));
      }
    }
    long dataStart = 8L + n;
    long dataLength = bytes.length - dataStart;
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparingLong(Entry::begin));
    long expectedBegin = 0;
    for (Entry e : sorted) {
      if (e.begin != expectedBegin) {
        throw new FileFormatException(
            p
                + "tensor '"
                + e.name
                + "' must begin at data offset "
                + expectedBegin
                + ", but begins at "
                + e.begin
                + " (tensors overlap or leave a gap)");
      }
      expectedBegin = e.end;
    }
    if (expectedBegin != dataLength) {
      throw new FileFormatException(
          p
              + (expectedBegin > dataLength ? "file is truncated: " : "file has trailing bytes: ")
              + "the header describes "
              + expectedBegin
              + " bytes of tensor data, but the file holds "
              + dataLength);
    }
    String crc = metadata.get(CRC_KEY);
    if (crc != null) {
      CRC32C c = new CRC32C();
      c.update(bytes, (int) dataStart, (int) dataLength);
      String actual = String.format(Locale.ROOT, "%08x", c.getValue());
      if (!actual.equals(crc)) {
        throw new FileFormatException(
            p + "tensor data is corrupted: CRC-32C must be " + crc + ", but was " + actual);
      }
    }
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (Entry e : entries) {
      float[] values = new float[Math.toIntExact((e.end - e.begin) / 4)];
      ByteBuffer.wrap(bytes, (int) (dataStart + e.begin), (int) (e.end - e.begin))
          .order(ByteOrder.LITTLE_ENDIAN)
          .asFloatBuffer()
          .get(values);
      tensors.put(e.name, Tensor.wrap(values, 0, e.shape));
    }
    return new Contents(tensors, metadata);
  }

  private record Entry(String name, Shape shape, long begin, long end) {}

  private static void readMetadata(Json v, Map<String, String> out, String p)
      throws FileFormatException {
    if (!(v instanceof Json.Obj o)) {
      throw new FileFormatException(p + METADATA + " must be an object of strings");
    }
    for (Map.Entry<String, Json> e : o.members().entrySet()) {
      if (!(e.getValue() instanceof Json.Str s)) {
        throw new FileFormatException(
            p
                + METADATA
                + " values must be strings, but '"
                + e.getKey()
                + "' is "
                + e.getValue().typeName());
      }
      out.put(e.getKey(), s.value());
    }
  }

  private static Entry readEntry(String name, Json v, String p) throws FileFormatException {
    String t = p + "tensor '" + name + "': ";
    if (!(v instanceof Json.Obj o)) {
      throw new FileFormatException(t + "entry must be an object, but was " + v.typeName());
    }
    for (String key : o.members().keySet()) {
      if (!key.equals("dtype") && !key.equals("shape") && !key.equals("data_offsets")) {
        throw new FileFormatException(t + "unexpected field '" + key + "'");
      }
    }
    try {
      String dtype = o.getString("dtype");
      if (!dtype.equals("F32")) {
        throw new FileFormatException(t + "dtype must be F32, but was " + dtype);
      }
      int[] dims = o.getArray("shape").toIntArray();
      if (dims.length < 1 || dims.length > Shape.MAX_RANK) {
        throw new FileFormatException(
            t + "rank must be 1 to " + Shape.MAX_RANK + ", but shape is " + Arrays.toString(dims));
      }
      long elements = 1;
      for (int d : dims) {
        if (d < 0) {
          throw new FileFormatException(
              t + "shape must have sizes >= 0, but was " + Arrays.toString(dims));
        }
        elements *= d;
        if (elements > Integer.MAX_VALUE) {
          throw new FileFormatException(t + "shape " + Arrays.toString(dims) + " is too large");
        }
      }
      Json.Arr offsets = o.getArray("data_offsets");
      if (offsets.size() != 2
          || !(offsets.get(0) instanceof Json.Num b)
          || !(offsets.get(1) instanceof Json.Num e)) {
        throw new FileFormatException(t + "data_offsets must be two numbers [begin, end]");
      }
      long begin = b.longValue();
      long end = e.longValue();
      if (begin < 0 || end < begin) {
        throw new FileFormatException(
            t
                + "data_offsets must satisfy 0 <= begin <= end, but were ["
                + begin
                + ", "
                + end
                + "]");
      }
      if (end - begin != 4 * elements) {
        throw new FileFormatException(
            t
                + "shape "
                + Arrays.toString(dims)
                + " needs "
                + 4 * elements
                + " bytes, but data_offsets ["
                + begin
                + ", "
                + end
                + "] hold "
                + (end - begin));
      }
      return new Entry(name, new Shape(dims), begin, end);
    } catch (JsonException e) {
      throw new FileFormatException(t + e.getMessage().replaceFirst("^json: ", ""));
    }
  }
}
