package io.flows4j.spark;

import io.flows4j.data.AtomicFiles;
import io.flows4j.io.FileFormatException;
import io.flows4j.io.Json;
import io.flows4j.io.SafeTensors;
import io.flows4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A checkpoint of a {@link FlowEstimator} run, one safetensors file written atomically (a temporary
 * file renamed over the previous one, so a crash leaves the previous checkpoint whole): the model's
 * state ({@code model.<path>}: parameters and buffers, standardization included), the optimizer's
 * state ({@code optimizer.step} and {@code optimizer.<path>.exp_avg|exp_avg_sq}), the parameters of
 * the best evaluation ({@code best.<path>}, when the run keeps them), and in the metadata the
 * settings (compared on resume), the data's figures (row counts, standardization, context encoding)
 * and the progress (step, best step and NLL, learning curve).
 *
 * @param settings the run's settings (flow, sizes, columns, training configuration, local steps)
 * @param data the data's figures
 * @param progress where the run is
 * @param model the model's state
 * @param optimizer the optimizer's state
 * @param best the best evaluation's state, empty if none is kept
 */
record TrainingCheckpoint(
    Json.Obj settings,
    Json.Obj data,
    Json.Obj progress,
    Map<String, Tensor> model,
    Map<String, Tensor> optimizer,
    Map<String, Tensor> best) {

  static final String KEY_SETTINGS = "flows4j.spark.settings";
  static final String KEY_DATA = "flows4j.spark.data";
  static final String KEY_PROGRESS = "flows4j.spark.progress";
  private static final String MODEL = "model.";
  private static final String OPTIMIZER = "optimizer.";
  private static final String BEST = "best.";

  /** Copies the maps (the tensors are shared). */
  TrainingCheckpoint {
    model = new LinkedHashMap<>(model);
    optimizer = new LinkedHashMap<>(optimizer);
    best = new LinkedHashMap<>(best);
  }

  /** The step the checkpoint was taken after. */
  int step() {
    return progress.getInt("step");
  }

  /**
   * Writes the checkpoint atomically.
   *
   * @throws java.io.UncheckedIOException {@code <file>: ...} if it cannot be written; the previous
   *     file is then unchanged
   */
  void write(Path file) {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    model.forEach((k, v) -> tensors.put(MODEL + k, v));
    new TreeMap<>(optimizer).forEach((k, v) -> tensors.put(OPTIMIZER + k, v));
    best.forEach((k, v) -> tensors.put(BEST + k, v));
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put(KEY_SETTINGS, settings.write());
    meta.put(KEY_DATA, data.write());
    meta.put(KEY_PROGRESS, progress.write());
    byte[] bytes = SafeTensors.encode(tensors, meta);
    AtomicFiles.write(file, out -> out.write(bytes));
  }

  /**
   * Reads a checkpoint written by {@link #write}.
   *
   * @throws FileFormatException if the file is not a checkpoint of this kind or is corrupted
   * @throws IOException if it cannot be read
   */
  static TrainingCheckpoint read(Path file) throws IOException {
    SafeTensors.Contents c = SafeTensors.read(file);
    String s = c.metadata().get(KEY_SETTINGS);
    String d = c.metadata().get(KEY_DATA);
    String p = c.metadata().get(KEY_PROGRESS);
    if (s == null || d == null || p == null) {
      throw new FileFormatException(
          file + ": not a flows4j Spark training checkpoint (no " + KEY_SETTINGS + " metadata)");
    }
    Json.Obj settings;
    Json.Obj data;
    Json.Obj progress;
    try {
      settings = (Json.Obj) Json.parse(s);
      data = (Json.Obj) Json.parse(d);
      progress = (Json.Obj) Json.parse(p);
      progress.getInt("step");
    } catch (RuntimeException e) {
      throw new FileFormatException(
          file + ": the checkpoint's settings are invalid (" + e.getMessage() + ")");
    }
    Map<String, Tensor> model = new LinkedHashMap<>();
    Map<String, Tensor> optimizer = new LinkedHashMap<>();
    Map<String, Tensor> best = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : c.tensors().entrySet()) {
      String k = e.getKey();
      if (k.startsWith(MODEL)) {
        model.put(k.substring(MODEL.length()), e.getValue());
      } else if (k.startsWith(OPTIMIZER)) {
        optimizer.put(k.substring(OPTIMIZER.length()), e.getValue());
      } else if (k.startsWith(BEST)) {
        best.put(k.substring(BEST.length()), e.getValue());
      } else {
        throw new FileFormatException(file + ": unexpected tensor '" + k + "'");
      }
    }
    return new TrainingCheckpoint(settings, data, progress, model, optimizer, best);
  }

  /**
   * The settings whose values differ between {@code saved} and {@code now}, as {@code name
   * saved-value (now now-value)}; empty if none.
   */
  static List<String> differences(Json.Obj saved, Json.Obj now) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, Json> e : now.members().entrySet()) {
      Json before = saved.members().get(e.getKey());
      String a = before == null ? "(none)" : before.write();
      String b = e.getValue().write();
      if (!a.equals(b)) {
        out.add(e.getKey() + " " + a + " (now " + b + ")");
      }
    }
    for (String k : saved.members().keySet()) {
      if (!now.members().containsKey(k)) {
        out.add(k + " " + saved.members().get(k).write() + " (now none)");
      }
    }
    return out;
  }
}
