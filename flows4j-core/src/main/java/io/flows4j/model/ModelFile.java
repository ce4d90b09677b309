package io.flows4j.model;

import io.flows4j.anomaly.Calibration;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorRegistry;
import io.flows4j.data.ContextEncoding;
import io.flows4j.distributions.Distribution;
import io.flows4j.distributions.DistributionRegistry;
import io.flows4j.flows.ConditionalFlow;
import io.flows4j.flows.Flow;
import io.flows4j.io.FileFormatException;
import io.flows4j.io.Json;
import io.flows4j.io.JsonException;
import io.flows4j.io.SafeTensors;
import io.flows4j.nn.Module;
import io.flows4j.tensor.NonFiniteException;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import io.flows4j.training.TrainingConfig;
import io.flows4j.training.TrainingResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Reads and writes {@link FittedModel}s: one safetensors file ({@link SafeTensors}) whose tensors
 * are the flow's state (parameters and buffers by dotted path, little-endian float32) and whose
 * header metadata holds
 *
 * <ul>
 *   <li>{@value #KEY_FORMAT}: {@value #FORMAT}, and {@value #KEY_VERSION}: the format version;
 *   <li>{@value #KEY_MODEL}: the model description, a JSON object (below);
 *   <li>{@value #KEY_MODEL_CRC}: the CRC-32C of that JSON text (the safetensors layer checks the
 *       tensor data with its own CRC-32C).
 * </ul>
 *
 * <p>The model description:
 *
 * <pre>{@code
 * {"format": "flows4j-model", "format_version": 1,
 *  "flow": {"transform": <Bijector.spec()>, "base": <Distribution.spec()>}
 *          | <ConditionalFlow.spec()> (type conditional-flow),
 *  "parameters": 35344,
 *  "tensors": {"transform.0.logScale": [2], ...},
 *  "data": {"columns": ["x", "y"]},
 *  "context": {"columns": [{"name": "label", "labels": ["a", "b"]},
 *                          {"name": "t", "mean": 0.5, "std": 2.0}]},     (conditional models only)
 *  "training": null | {"config": {...}, "result": {...}},
 *  "metadata": {"key": "value", ...},
 *  "calibration": <Calibration.toJson()>}
 * }</pre>
 *
 * <p>{@code calibration} is present only in models with an anomaly calibration; files without it
 * load as before.
 *
 * <p>Saving is atomic (a temporary file renamed over the target). Loading rebuilds the flow from
 * its description with {@link BijectorRegistry} and {@link DistributionRegistry}, then checks every
 * tensor against the description and the rebuilt flow (names and shapes) and that every weight is
 * finite. Every failure is a {@link FileFormatException} whose one-line message starts with the
 * file name and says what is wrong: a truncated or corrupted file, another format, a newer version,
 * an unknown layer type, a missing or mis-shaped tensor.
 */
public final class ModelFile {
  /** The format name stored under {@value #KEY_FORMAT}. */
  public static final String FORMAT = "flows4j-model";

  /** The version this library writes and the newest it reads. */
  public static final int VERSION = 1;

  /** Metadata key of the format name. */
  public static final String KEY_FORMAT = "flows4j.format";

  /** Metadata key of the format version. */
  public static final String KEY_VERSION = "flows4j.format_version";

  /** Metadata key of the model description (JSON). */
  public static final String KEY_MODEL = "flows4j.model";

  /** Metadata key of the CRC-32C of the model description. */
  public static final String KEY_MODEL_CRC = "flows4j.model_crc32c";

  private ModelFile() {}

  /**
   * Writes {@code model} to {@code file} atomically: a reader sees the old file or the complete new
   * one, never a part.
   *
   * @throws NonFiniteException if a weight is NaN or infinite (such a file could not be loaded)
   * @throws IOException if writing fails; an existing file is then left unchanged
   */
  public static void save(Path file, FittedModel model) throws IOException {
    Map<String, Tensor> state = model.module().stateDict();
    for (Map.Entry<String, Tensor> e : state.entrySet()) {
      int bad = firstNonFinite(e.getValue());
      if (bad >= 0) {
        throw new NonFiniteException(
            "ModelFile.save: "
                + file
                + ": tensor '"
                + e.getKey()
                + "' holds "
                + e.getValue().getFlat(bad)
                + " at element "
                + bad
                + "; a model with non-finite weights is not written");
      }
    }
    String json = describe(model).write();
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put(KEY_FORMAT, FORMAT);
    meta.put(KEY_VERSION, Integer.toString(VERSION));
    meta.put(KEY_MODEL, json);
    meta.put(KEY_MODEL_CRC, crc(json));
    SafeTensors.write(file, state, meta);
  }

  /** The model description stored under {@value #KEY_MODEL}. */
  static Json.Obj describe(FittedModel model) {
    Module flow = model.module();
    Map<String, Json> m = new LinkedHashMap<>();
    m.put("format", Json.of(FORMAT));
    m.put("format_version", Json.of(VERSION));
    if (model.isConditional()) {
      // A conditional model: the flow's spec has type conditional-flow, and the context encoding
      // (label names included) is stored beside it.
      m.put("flow", model.conditionalFlow().orElseThrow().spec());
      m.put("context", model.contextEncoding().orElseThrow().toJson());
    } else {
      Flow f = model.flow();
      m.put(
          "flow", Json.object(Map.of("transform", f.transform().spec(), "base", f.base().spec())));
    }
    m.put("parameters", Json.of(flow.parameterCount()));
    Map<String, Json> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : flow.stateDict().entrySet()) {
      tensors.put(e.getKey(), dims(e.getValue().shape()));
    }
    m.put("tensors", Json.object(tensors));
    Map<String, Json> data = new LinkedHashMap<>();
    data.put("columns", strings(model.columnNames()));
    m.put("data", Json.object(data));
    if (model.trainingConfig().isPresent() || model.trainingResult().isPresent()) {
      Map<String, Json> t = new LinkedHashMap<>();
      t.put(
          "config",
          model.trainingConfig().<Json>map(TrainingConfig::toJson).orElse(Json.Null.INSTANCE));
      t.put(
          "result",
          model.trainingResult().<Json>map(TrainingResult::toJson).orElse(Json.Null.INSTANCE));
      m.put("training", Json.object(t));
    } else {
      m.put("training", Json.Null.INSTANCE);
    }
    Map<String, Json> meta = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : model.metadata().entrySet()) {
      meta.put(e.getKey(), Json.of(e.getValue()));
    }
    m.put("metadata", Json.object(meta));
    model.calibration().ifPresent(c -> m.put("calibration", c.toJson()));
    return Json.object(m);
  }

  /**
   * Reads a model written by {@link #save}.
   *
   * @throws NoSuchFileException if the file does not exist ({@code <file>: no such file})
   * @throws FileFormatException if the file is truncated, corrupted, of another format or a newer
   *     version, or describes a model that cannot be built or does not fit its tensors
   * @throws IOException if reading fails
   */
  public static FittedModel load(Path file) throws IOException {
    if (!Files.exists(file)) {
      throw new NoSuchFileException(file.toString(), null, "no such file");
    }
    SafeTensors.Contents c = SafeTensors.read(file);
    String p = file + ": ";
    Map<String, String> meta = c.metadata();
    String format = meta.get(KEY_FORMAT);
    if (format == null) {
      throw new FileFormatException(
          p + "not a flows4j model file (its safetensors header has no '" + KEY_FORMAT + "')");
    }
    if (!format.equals(FORMAT)) {
      throw new FileFormatException(
          p
              + "not a flows4j model file: format must be '"
              + FORMAT
              + "', but was '"
              + format
              + "'");
    }
    int version = version(meta.get(KEY_VERSION), p);
    if (!meta.containsKey(SafeTensors.CRC_KEY)) {
      // The safetensors layer checks the data only when the checksum is present; model files
      // always have one, so its absence means the header was altered.
      throw new FileFormatException(
          p + "the tensor data has no checksum ('" + SafeTensors.CRC_KEY + "')");
    }
    String json = meta.get(KEY_MODEL);
    if (json == null) {
      throw new FileFormatException(
          p + "the header has no model description ('" + KEY_MODEL + "')");
    }
    String expected = meta.get(KEY_MODEL_CRC);
    if (expected == null) {
      throw new FileFormatException(
          p + "the model description has no checksum ('" + KEY_MODEL_CRC + "')");
    }
    String actual = crc(json);
    if (!actual.equals(expected)) {
      throw new FileFormatException(
          p
              + "model description is corrupted: CRC-32C must be "
              + expected
              + ", but was "
              + actual);
    }
    Json.Obj model;
    try {
      if (!(Json.parse(json) instanceof Json.Obj o)) {
        throw new FileFormatException(p + "model description must be a JSON object");
      }
      model = o;
    } catch (JsonException e) {
      throw new FileFormatException(p + "model description is not valid JSON: " + e.getMessage());
    }
    try {
      return build(model, c.tensors(), version, p);
    } catch (JsonException e) {
      throw new FileFormatException(p + "model description: " + strip(e.getMessage()));
    }
  }

  private static int version(String text, String p) throws FileFormatException {
    if (text == null) {
      throw new FileFormatException(p + "the header has no format version ('" + KEY_VERSION + "')");
    }
    int v;
    try {
      v = Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new FileFormatException(
          p + "format version must be a whole number, but was '" + text + "'");
    }
    if (v > VERSION) {
      throw new FileFormatException(
          p
              + "format version "
              + v
              + " is newer than this flows4j reads ("
              + VERSION
              + "); use a newer flows4j");
    }
    if (v < 1) {
      throw new FileFormatException(
          p + "format version must be 1 to " + VERSION + ", but was " + v);
    }
    return v;
  }

  private static FittedModel build(
      Json.Obj model, Map<String, Tensor> tensors, int version, String p)
      throws FileFormatException {
    if (!model.getString("format").equals(FORMAT) || model.getInt("format_version") != version) {
      throw new FileFormatException(
          p + "model description disagrees with the header about the format or version");
    }
    Json.Obj flowJson = model.getObject("flow");
    boolean conditional =
        flowJson.has("type") && flowJson.getString("type").equals(ConditionalFlow.TYPE);
    if (conditional != model.has("context")) {
      throw new FileFormatException(
          p
              + (conditional
                  ? "the flow is conditional, but the model description has no context encoding"
                  : "the model description has a context encoding, but the flow is not"
                      + " conditional"));
    }
    if (conditional) {
      ConditionalFlow cf;
      ContextEncoding enc;
      try {
        cf = ConditionalFlow.fromSpec(flowJson);
      } catch (IllegalArgumentException e) {
        throw new FileFormatException(p + "architecture: " + strip(e.getMessage()));
      }
      try {
        enc = ContextEncoding.fromJson(model.getObject("context"));
      } catch (IllegalArgumentException e) {
        throw new FileFormatException(p + "context encoding: " + strip(e.getMessage()));
      }
      if (enc.features() != cf.contextFeatures()) {
        throw new FileFormatException(
            p
                + "the context encoding ("
                + enc.describe()
                + ") gives "
                + enc.features()
                + " features, but the flow takes "
                + cf.contextFeatures());
      }
      return finish(model, tensors, cf, enc, p);
    }
    Bijector transform;
    Distribution base;
    try {
      transform = BijectorRegistry.build(flowJson.getObject("transform"));
    } catch (IllegalArgumentException e) {
      throw new FileFormatException(p + "architecture: " + strip(e.getMessage()));
    }
    try {
      base = DistributionRegistry.build(flowJson.getObject("base"));
    } catch (IllegalArgumentException e) {
      throw new FileFormatException(p + "base distribution: " + strip(e.getMessage()));
    }
    return finish(model, tensors, new Flow(transform, base), null, p);
  }

  /** Checks and loads the weights of a rebuilt flow and reads the rest of the description. */
  private static FittedModel finish(
      Json.Obj model, Map<String, Tensor> tensors, Module flow, ContextEncoding enc, String p)
      throws FileFormatException {
    Json.Obj listed = model.getObject("tensors");
    for (Map.Entry<String, Json> e : listed.members().entrySet()) {
      Tensor t = tensors.get(e.getKey());
      if (t == null) {
        throw new FileFormatException(
            p + "tensor '" + e.getKey() + "' is listed in the model description but missing");
      }
      if (!(e.getValue() instanceof Json.Arr a)) {
        throw new FileFormatException(
            p + "model description: the shape of '" + e.getKey() + "' must be an array");
      }
      Shape listedShape = new Shape(a.toIntArray());
      if (!listedShape.equals(t.shape())) {
        throw new FileFormatException(
            p
                + "tensor '"
                + e.getKey()
                + "' must have shape "
                + listedShape
                + " (model description), but was "
                + t.shape());
      }
    }
    for (String name : tensors.keySet()) {
      if (!listed.has(name)) {
        throw new FileFormatException(
            p + "tensor '" + name + "' is not listed in the model description");
      }
    }
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      int bad = firstNonFinite(e.getValue());
      if (bad >= 0) {
        throw new FileFormatException(
            p
                + "tensor '"
                + e.getKey()
                + "' holds "
                + e.getValue().getFlat(bad)
                + " at element "
                + bad
                + "; weights must be finite");
      }
    }
    try {
      flow.loadStateDict(tensors);
    } catch (IllegalArgumentException e) {
      throw new FileFormatException(
          p + "the weights do not fit the architecture: " + strip(e.getMessage()));
    }
    long count = model.getLong("parameters");
    if (count != flow.parameterCount()) {
      throw new FileFormatException(
          p
              + "the model description lists "
              + count
              + " parameters, but the rebuilt flow has "
              + flow.parameterCount());
    }

    Json.Obj data = model.getObject("data");
    List<String> columns = stringList(data.getArray("columns"), "data.columns");
    if (data.has("transform") && !(data.get("transform") instanceof Json.Null)) {
      // Development builds before the Standardization layer kept the standardization here; such a
      // file would load with the wrong density, so it is refused.
      throw new FileFormatException(
          p
              + "data.transform is not read by this version (the file comes from an earlier"
              + " development build); fit the model again");
    }

    TrainingConfig config = null;
    TrainingResult result = null;
    Json training = model.get("training");
    if (training instanceof Json.Obj t) {
      try {
        if (t.get("config") instanceof Json.Obj co) {
          config = TrainingConfig.fromJson(co);
        }
        if (t.get("result") instanceof Json.Obj ro) {
          result = TrainingResult.fromJson(ro);
        }
      } catch (IllegalArgumentException e) {
        throw new FileFormatException(p + "training summary: " + strip(e.getMessage()));
      }
    }

    Map<String, String> metadata = new LinkedHashMap<>();
    for (Map.Entry<String, Json> e : model.getObject("metadata").members().entrySet()) {
      if (!(e.getValue() instanceof Json.Str s)) {
        throw new FileFormatException(p + "metadata value '" + e.getKey() + "' must be a string");
      }
      metadata.put(e.getKey(), s.value());
    }
    Calibration calibration = null;
    if (model.has("calibration") && !(model.get("calibration") instanceof Json.Null)) {
      try {
        calibration = Calibration.fromJson(model.getObject("calibration"));
      } catch (IllegalArgumentException e) {
        throw new FileFormatException(p + strip(e.getMessage()));
      }
    }
    try {
      FittedModel fitted =
          flow instanceof ConditionalFlow cf
              ? new FittedModel(cf, columns, enc, config, result, metadata)
              : new FittedModel((Flow) flow, columns, config, result, metadata);
      return fitted.withCalibration(calibration);
    } catch (IllegalArgumentException e) {
      throw new FileFormatException(p + e.getMessage());
    }
  }

  private static Json strings(List<String> names) {
    List<Json> items = new ArrayList<>(names.size());
    for (String n : names) {
      items.add(Json.of(n));
    }
    return Json.array(items);
  }

  private static List<String> stringList(Json.Arr a, String what) {
    List<String> out = new ArrayList<>(a.size());
    for (int i = 0; i < a.size(); i++) {
      if (!(a.get(i) instanceof Json.Str s)) {
        throw new JsonException(
            "json: "
                + what
                + " element "
                + i
                + " must be a string, but was "
                + a.get(i).typeName());
      }
      out.add(s.value());
    }
    return out;
  }

  private static Json dims(Shape s) {
    List<Json> items = new ArrayList<>(s.rank());
    for (int d : s.dims()) {
      items.add(Json.of(d));
    }
    return Json.array(items);
  }

  private static int firstNonFinite(Tensor t) {
    float[] a = t.data();
    for (int i = 0; i < t.size(); i++) {
      if (!Float.isFinite(a[t.offset() + i])) {
        return i;
      }
    }
    return -1;
  }

  private static String crc(String text) {
    CRC32C c = new CRC32C();
    c.update(text.getBytes(StandardCharsets.UTF_8));
    return String.format(Locale.ROOT, "%08x", c.getValue());
  }

  /** Drops the {@code json: } prefix of {@link JsonException} messages. */
  private static String strip(String message) {
    return message.startsWith("json: ") ? message.substring(6) : message;
  }
}
