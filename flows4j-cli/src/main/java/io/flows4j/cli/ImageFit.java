package io.flows4j.cli;

import io.flows4j.bench.JsonLine;
import io.flows4j.bijectors.image.MultiScale;
import io.flows4j.data.ContextEncoding;
import io.flows4j.data.Dataset;
import io.flows4j.data.Dequantization;
import io.flows4j.data.Images;
import io.flows4j.flows.ConditionalFlow;
import io.flows4j.flows.Flow;
import io.flows4j.flows.ImageFlows;
import io.flows4j.model.FittedModel;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.Threads;
import io.flows4j.training.BatchDensity;
import io.flows4j.training.Trainer;
import io.flows4j.training.TrainingConfig;
import io.flows4j.training.TrainingResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The image side of the command line: {@code fit --images}, and the helpers that {@code eval} and
 * {@code sample} use on image models (whose metadata {@value #IMAGE_KEY} holds {@code CxHxW}).
 */
final class ImageFit {
  /** Metadata key of an image model's shape, {@code CxHxW}. */
  static final String IMAGE_KEY = "flows4j.image";

  /** The context column of a class-conditional image model. */
  static final String LABEL = "label";

  private ImageFit() {}

  /** {@code fit --images}. */
  static int run(FitCommand c, PrintWriter stdout, PrintWriter err) {
    if (c.data != null) {
      throw new IllegalArgumentException("give --data or --images, not both");
    }
    if (c.contextColumns != null || c.categorical != null || c.calibrationFraction() > 0) {
      throw new IllegalArgumentException(
          "--context, --categorical, --calibration and --contamination are for tables; an image"
              + " model's context is its --labels");
    }
    String kind = c.flow.toLowerCase(Locale.ROOT);
    if (!kind.equals("glow") && !kind.equals("realnvp")) {
      throw new IllegalArgumentException(
          "--flow " + c.flow + " is not an image flow; with --images use glow or realnvp");
    }
    int l = c.levels != null ? c.levels : 2;
    int k = c.stepsPerLevel != null ? c.stepsPerLevel : 8;
    Options.requireAtLeast("--levels", l, 1);
    Options.requireAtLeast("--steps-per-level", k, 1);
    int hidden = FlowChoice.parseHidden(c.hidden)[0];
    TrainingConfig config = c.config().withInputNoise(0);
    CommandIo.requireWritable("--out", c.out);
    Images im = Images.read(c.images, c.labels);
    int d = im.dimension();
    boolean conditional = c.labels != null;
    int classes = 0;
    ContextEncoding enc = null;
    Dataset rows = im.pixels();
    if (conditional) {
      int[] y = rows.labels();
      for (int v : y) {
        classes = Math.max(classes, v + 1);
      }
      List<String> names = new ArrayList<>();
      for (int i = 0; i < classes; i++) {
        names.add(Integer.toString(i));
      }
      enc = new ContextEncoding(List.of(new ContextEncoding.Column(LABEL, names, 0, 1)));
      rows = withOneHot(rows, classes);
    }
    MultiScale transform =
        kind.equals("glow")
            ? ImageFlows.glowTransform(
                l, k, hidden, im.channels(), im.height(), im.width(), classes, config.seed())
            : ImageFlows.realNvpTransform(
                l, hidden, im.channels(), im.height(), im.width(), classes, config.seed());
    boolean logit = kind.equals("realnvp");
    Flow flow = conditional ? null : ImageFlows.flow(transform, logit);
    ConditionalFlow cflow =
        conditional ? ImageFlows.conditionalFlow(transform, logit, classes, config.seed()) : null;
    Module module = conditional ? cflow : flow;
    BatchDensity model =
        BatchDensity.dequantized(
            conditional ? BatchDensity.of(cflow, d) : BatchDensity.of(flow), config.seed());
    err.printf(
        Locale.ROOT,
        "fit: %s%s, %d levels%s, hidden %d, %,d parameters; %,d images of %s%n",
        conditional ? "class-conditional " : "",
        kind,
        l,
        kind.equals("glow") ? " of " + k + " steps" : "",
        hidden,
        module.parameterCount(),
        im.count(),
        im.describeShape());
    err.flush();
    TrainingResult r;
    try (FitCommand.ProgressListener listener = new FitCommand.ProgressListener(err)) {
      r = Trainer.train(model, rows, null, config, listener);
    }
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("flows4j.preset", kind);
    meta.put("flows4j.levels", Integer.toString(l));
    meta.put("flows4j.steps-per-level", Integer.toString(k));
    meta.put("flows4j.hidden", Integer.toString(hidden));
    meta.put(IMAGE_KEY, im.describeShape());
    List<String> columns = im.pixels().columnNames();
    FittedModel fm =
        conditional
            ? new FittedModel(cflow, columns, enc, config, r, meta)
            : new FittedModel(flow, columns, config, r, meta);
    CommandIo.saveModel(fm, c.out);
    double bpd = Dequantization.bitsPerDimOfPixels(r.bestValidationNll(), d);
    JsonLine line =
        new JsonLine()
            .put("model", c.out.toString())
            .put("flow", kind)
            .put("image", im.describeShape())
            .put("classes", classes)
            .put("params", module.parameterCount())
            .put("train_rows", r.trainRows())
            .put("validation_rows", r.validationRows())
            .put("steps", r.stepsRun())
            .put("batch", r.batchSize())
            .put("threads", Threads.count())
            .put("train_sec", r.trainSeconds())
            .put("sec_per_step", r.secPerStepMedian())
            .put("stop", r.stopReason().name().toLowerCase(Locale.ROOT))
            .put("best_step", r.bestStep())
            .put("best_val_bpd", bpd);
    err.printf(
        Locale.ROOT,
        "fit: %d steps in %.1f s (%.2f s/step), best validation %.4f bits/dim; wrote %s%n",
        r.stepsRun(),
        r.trainSeconds(),
        r.secPerStepMedian(),
        bpd,
        c.out);
    err.flush();
    stdout.println(line);
    stdout.flush();
    return 0;
  }

  /** Rows {@code [pixels | one-hot(label)]}. */
  static Dataset withOneHot(Dataset pixels, int classes) {
    int d = pixels.columns();
    float[][] out = new float[pixels.rows()][];
    for (int i = 0; i < pixels.rows(); i++) {
      float[] r = java.util.Arrays.copyOf(pixels.row(i), d + classes);
      int y = pixels.label(i);
      if (y >= classes) {
        throw new IllegalArgumentException(
            "image " + i + " has label " + y + ", but the model knows " + classes + " classes");
      }
      r[d + y] = 1f;
      out[i] = r;
    }
    return Dataset.of(out);
  }

  /** The image shape {@code [C, H, W]} of an image model, if it is one. */
  static Optional<int[]> shape(FittedModel m) {
    String s = m.metadata().get(IMAGE_KEY);
    if (s == null) {
      return Optional.empty();
    }
    String[] p = s.split("x", -1);
    return Optional.of(
        new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])});
  }

  /** The image shape of a model, or a one-line error naming the option that needs it. */
  static int[] requireImageModel(FittedModel m, Path file, String option) {
    return shape(m)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    option
                        + " needs an image model, but "
                        + file
                        + " was not fitted with --images"));
  }

  /** Checks that {@code im} has the model's image shape. */
  static void requireShape(int[] shape, Images im, Path source) {
    String want = shape[0] + "x" + shape[1] + "x" + shape[2];
    if (!want.equals(im.describeShape())) {
      throw new IllegalArgumentException(
          source + " holds images of " + im.describeShape() + ", but the model is for " + want);
    }
  }

  /** The pixels with the fixed dequantization noise, as a table (evaluation). */
  static Dataset dequantized(Images im) {
    Tensor t = im.pixels().toTensor();
    Dequantization.addFixed(t, im.dimension());
    return Dataset.fromTensor(t, im.pixels().columnNames());
  }
}
