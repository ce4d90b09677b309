package io.flows4j.speech.train;

import io.flows4j.data.AtomicFiles;
import io.flows4j.io.FileFormatException;
import io.flows4j.io.Json;
import io.flows4j.io.SafeTensors;
import io.flows4j.speech.model.GlowTts;
import io.flows4j.speech.model.GlowTtsConfig;
import io.flows4j.tensor.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A training checkpoint: the model's weights (with the ActNorm initialisation flags), Adam's state
 * (step count and moments), the training settings and the step, in one safetensors file written
 * atomically (a temporary file renamed over the previous checkpoint, so a crash or a failed write
 * leaves the previous one whole).
 *
 * <p>Tensors are named {@code model.<path>} and {@code optimizer.<path>.<buffer>} (and {@code
 * optimizer.step}); the metadata holds the model configuration under {@link GlowTts#KEY_CONFIG},
 * the settings under {@value #KEY_TRAINING} and the step under {@value #KEY_STEP}.
 *
 * @param model the model, in its state at {@code step}
 * @param config the training settings
 * @param step optimizer steps taken
 * @param optimizer Adam's state ({@link io.flows4j.optim.Optimizer#state()})
 */
public record Checkpoint(
    GlowTts model, SpeechTrainingConfig config, long step, Map<String, Tensor> optimizer) {
  /** Metadata key of the training settings (JSON). */
  public static final String KEY_TRAINING = "flows4j.speech.training";

  /** Metadata key of the step count. */
  public static final String KEY_STEP = "flows4j.speech.step";

  static final String MODEL_PREFIX = "model.";
  static final String OPTIMIZER_PREFIX = "optimizer.";

  /** Copies the optimizer state map (the tensors are shared). */
  public Checkpoint {
    optimizer = Map.copyOf(optimizer);
  }

  /** The checkpoint that goes with a model file: {@code MODEL.ckpt} beside it. */
  public static Path pathFor(Path modelFile) {
    return modelFile.resolveSibling(modelFile.getFileName() + ".ckpt");
  }

  /**
   * Writes the checkpoint atomically.
   *
   * @throws UncheckedIOException {@code <file>: cannot write (reason)}; the previous file is then
   *     unchanged
   */
  public void write(Path file) {
    write(file, UnaryOperator.identity());
  }

  /** As {@link #write(Path)}, with the file's stream passed through {@code wrap} (tests). */
  void write(Path file, UnaryOperator<OutputStream> wrap) {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
      tensors.put(MODEL_PREFIX + e.getKey(), e.getValue());
    }
    for (Map.Entry<String, Tensor> e : new java.util.TreeMap<>(optimizer).entrySet()) {
      tensors.put(OPTIMIZER_PREFIX + e.getKey(), e.getValue());
    }
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put(GlowTts.KEY_CONFIG, model.config().toJson().write());
    meta.put(KEY_TRAINING, config.toJson().write());
    meta.put(KEY_STEP, Long.toString(step));
    byte[] bytes = SafeTensors.encode(tensors, meta);
    AtomicFiles.write(file, out -> wrap.apply(out).write(bytes));
  }

  /**
   * Reads a checkpoint written by {@link #write}.
   *
   * @throws FileFormatException if the file is not a speech training checkpoint or is corrupted
   * @throws IOException if it cannot be read
   */
  public static Checkpoint read(Path file) throws IOException {
    SafeTensors.Contents c = SafeTensors.read(file);
    String modelJson = c.metadata().get(GlowTts.KEY_CONFIG);
    String trainingJson = c.metadata().get(KEY_TRAINING);
    String stepText = c.metadata().get(KEY_STEP);
    if (modelJson == null || trainingJson == null || stepText == null) {
      throw new FileFormatException(
          file + ": not a speech training checkpoint (no " + KEY_TRAINING + " metadata)");
    }
    GlowTts model;
    SpeechTrainingConfig config;
    long step;
    try {
      model = new GlowTts(GlowTtsConfig.fromJson((Json.Obj) Json.parse(modelJson)), 0L);
      config = SpeechTrainingConfig.fromJson((Json.Obj) Json.parse(trainingJson));
      step = Long.parseLong(stepText);
    } catch (RuntimeException e) {
      throw new FileFormatException(
          file + ": the checkpoint's settings are invalid (" + e.getMessage() + ")");
    }
    Map<String, Tensor> weights = new LinkedHashMap<>();
    Map<String, Tensor> optimizer = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : c.tensors().entrySet()) {
      if (e.getKey().startsWith(MODEL_PREFIX)) {
        weights.put(e.getKey().substring(MODEL_PREFIX.length()), e.getValue());
      } else if (e.getKey().startsWith(OPTIMIZER_PREFIX)) {
        optimizer.put(e.getKey().substring(OPTIMIZER_PREFIX.length()), e.getValue());
      } else {
        throw new FileFormatException(file + ": unexpected tensor '" + e.getKey() + "'");
      }
    }
    try {
      model.loadStateDict(weights);
    } catch (IllegalArgumentException e) {
      throw new FileFormatException(file + ": " + e.getMessage());
    }
    return new Checkpoint(model, config, step, optimizer);
  }
}
