package io.flows4j.spark;

import io.flows4j.bijectors.Bijectors;
import io.flows4j.bijectors.Standardization;
import io.flows4j.data.ContextEncoding;
import io.flows4j.data.Standardizer;
import io.flows4j.flows.ConditionalFlow;
import io.flows4j.flows.Flow;
import io.flows4j.flows.Presets;
import io.flows4j.io.Json;
import io.flows4j.model.FittedModel;
import io.flows4j.training.TrainingConfig;
import io.flows4j.training.TrainingListener;
import io.flows4j.training.TrainingResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Trains a flows4j flow on data spread over a Spark cluster by maximum likelihood, data-parallel: a
 * Spark ML {@code Estimator} whose {@link #fit} returns the {@link FlowModel} that scores with the
 * trained flow.
 *
 * <pre>{@code
 * FlowEstimator est = new FlowEstimator().setInputCols("x", "y").setFlow("maf")
 *     .setTrainingConfig(TrainingConfig.defaults().withSteps(2000));
 * FlowModel model = est.fit(df);                     // or est.train(df, listener) for the figures
 * model.writeModelFile(Path.of("model.flows4j"));    // an ordinary flows4j model file
 * }</pre>
 *
 * <p><b>What is trained</b> is what {@code flows4j fit} trains on one machine: the preset {@link
 * #setFlow flow} ({@link Presets}) with {@link #setLayers layers} and {@link #setHidden hidden}
 * widths (weights seeded by the configuration's seed), a {@link Standardization} first layer fitted
 * on the training rows when {@link #setStandardize standardize} is on (the default), and for a
 * {@link #setContextCols context} a conditional flow ({@link Presets#conditionalFlow}) with the
 * context encoded as {@link FittedModel#fitConditional} encodes it (labels one-hot in order of
 * first appearance, numbers standardized). A context column is categorical if its Spark type is not
 * numeric or it is listed in {@link #setCategoricalCols}. Every option of the {@link
 * TrainingConfig} applies: steps or epochs, batch, optimizer and schedule, clipping, input noise,
 * the validation split with evaluation, early stopping and restoring the best parameters; progress
 * goes to a core {@link TrainingListener}.
 *
 * <p><b>How</b>: the valid rows are cached on the executors as one block of floats per partition
 * (two jobs read them: counts and context statistics, then the standardization statistics); each
 * step is one Spark job in which every partition computes the NLL gradient of its share of the
 * minibatch, and the driver takes the optimizer step ({@link #setLocalSteps localSteps} {@code K >
 * 1}: every partition takes {@code K} steps on its own and the driver averages; one job per {@code
 * K} steps). The blocks' lineage is cut once they are computed (a local checkpoint: a step's tasks
 * then carry no input data), so a lost executor fails the run, which {@link #setResume resumes}
 * from its checkpoint. See {@code docs/design-notes.md}, "Spark: data-parallel training".
 *
 * <p><b>Rows</b> with a null, NaN or infinite input, a vector of another length, or a null context
 * are dropped and counted ({@link Result#invalidRows}). <b>Checkpoints</b> ({@link
 * #setCheckpointPath}) are written every {@link #setCheckpointInterval checkpointInterval} steps
 * and at the end; {@link #setResume resume} continues from one (same settings and data, else
 * refused).
 */
public final class FlowEstimator extends Estimator<FlowModel> {
  private static final long serialVersionUID = 1L;

  /** Default steps between checkpoints. */
  public static final int DEFAULT_CHECKPOINT_INTERVAL = 500;

  private final String uid;
  private final StringArrayParam inputCols;
  private final Param<String> inputCol;
  private final StringArrayParam contextCols;
  private final StringArrayParam categoricalCols;
  private final Param<String> flow;
  private final IntParam layers;
  private final IntArrayParam hidden;
  private final BooleanParam standardize;
  private final IntParam localSteps;
  private final Param<String> checkpointPath;
  private final IntParam checkpointInterval;
  private final BooleanParam resume;
  private TrainingConfig trainingConfig = TrainingConfig.defaults();

  /** An estimator with the defaults: realnvp, 8 layers, hidden 64,64, standardized. */
  public FlowEstimator() {
    this(Identifiable.randomUID("flows4jEstimator"));
  }

  /** An estimator with the given uid. */
  public FlowEstimator(String uid) {
    this.uid = uid;
    // After the uid: a Param takes its parent's uid when it is made.
    this.inputCols =
        new StringArrayParam(this, "inputCols", "numeric input columns (default: all numeric)");
    this.inputCol =
        new Param<>(this, "inputCol", "one vector or array column holding all the inputs");
    this.contextCols =
        new StringArrayParam(this, "contextCols", "context columns of a conditional flow");
    this.categoricalCols =
        new StringArrayParam(
            this, "categoricalCols", "context columns to one-hot encode though numeric");
    this.flow = new Param<>(this, "flow", "flow preset: " + String.join(", ", Presets.NAMES));
    this.layers =
        new IntParam(
            this, "layers", "flow layers (0: the preset's default)", ParamValidators.gtEq(0));
    this.hidden = new IntArrayParam(this, "hidden", "hidden widths of each conditioner network");
    this.standardize =
        new BooleanParam(this, "standardize", "standardize the inputs in the flow's first layer");
    this.localSteps =
        new IntParam(
            this,
            "localSteps",
            "optimizer steps per partition between averages",
            ParamValidators.gtEq(1));
    this.checkpointPath =
        new Param<>(this, "checkpointPath", "checkpoint file on the driver (empty: none)");
    this.checkpointInterval =
        new IntParam(
            this, "checkpointInterval", "steps between checkpoints", ParamValidators.gtEq(1));
    this.resume = new BooleanParam(this, "resume", "continue from the checkpoint");
    setDefault(inputCols, new String[0]);
    setDefault(contextCols, new String[0]);
    setDefault(categoricalCols, new String[0]);
    setDefault(flow, "realnvp");
    setDefault(layers, 0);
    setDefault(hidden, new int[] {64, 64});
    setDefault(standardize, true);
    setDefault(localSteps, 1);
    setDefault(checkpointPath, "");
    setDefault(checkpointInterval, DEFAULT_CHECKPOINT_INTERVAL);
    setDefault(resume, false);
  }

  @Override
  public String uid() {
    return uid;
  }

  /** The numeric input columns (default: every numeric column that is not context). */
  public StringArrayParam inputCols() {
    return inputCols;
  }

  /** One vector or array column with all the inputs (default: unset). */
  public Param<String> inputCol() {
    return inputCol;
  }

  /** The context columns of a conditional flow (default: none, an unconditional flow). */
  public StringArrayParam contextCols() {
    return contextCols;
  }

  /** Context columns to treat as categorical although numeric (default: none). */
  public StringArrayParam categoricalCols() {
    return categoricalCols;
  }

  /** The flow preset (default {@code realnvp}). */
  public Param<String> flow() {
    return flow;
  }

  /** The flow's layers (default 0: the preset's own default, as {@code flows4j fit}'s). */
  public IntParam layers() {
    return layers;
  }

  /** The hidden widths of each conditioner (default 64, 64). */
  public IntArrayParam hidden() {
    return hidden;
  }

  /** Whether the flow's first layer standardizes the inputs (default true). */
  public BooleanParam standardize() {
    return standardize;
  }

  /** Optimizer steps each partition takes between parameter averages (default 1: synchronous). */
  public IntParam localSteps() {
    return localSteps;
  }

  /** The checkpoint file on the driver's file system (default empty: no checkpoints). */
  public Param<String> checkpointPath() {
    return checkpointPath;
  }

  /** Steps between checkpoints (default {@value #DEFAULT_CHECKPOINT_INTERVAL}). */
  public IntParam checkpointInterval() {
    return checkpointInterval;
  }

  /** Whether to continue from the checkpoint (default false). */
  public BooleanParam resume() {
    return resume;
  }

  /** Reads the inputs from these numeric columns. */
  public FlowEstimator setInputCols(String... names) {
    set(inputCols, names);
    return this;
  }

  /** Reads all the inputs from this vector or array column. */
  public FlowEstimator setInputCol(String name) {
    set(inputCol, name);
    return this;
  }

  /** Trains a conditional flow of the inputs given these columns. */
  public FlowEstimator setContextCols(String... names) {
    set(contextCols, names);
    return this;
  }

  /** One-hot encodes these context columns even though they hold numbers. */
  public FlowEstimator setCategoricalCols(String... names) {
    set(categoricalCols, names);
    return this;
  }

  /**
   * Chooses the flow preset.
   *
   * @throws IllegalArgumentException if {@code name} is not one of {@link Presets#NAMES}
   */
  public FlowEstimator setFlow(String name) {
    String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    if (!Presets.NAMES.contains(key)) {
      throw new IllegalArgumentException(
          "FlowEstimator: flow must be one of "
              + String.join(", ", Presets.NAMES)
              + ", but was '"
              + name
              + "'");
    }
    set(flow, key);
    return this;
  }

  /**
   * Sets the number of flow layers (0: the preset's default).
   *
   * @throws IllegalArgumentException if {@code k < 0}
   */
  public FlowEstimator setLayers(int k) {
    if (k < 0) {
      throw new IllegalArgumentException(
          "FlowEstimator: layers must be >= 1 (or 0 for the preset's default), but was " + k);
    }
    set(layers, k);
    return this;
  }

  /**
   * Sets the hidden widths of each conditioner network.
   *
   * @throws IllegalArgumentException if a width is not {@code >= 1}
   */
  public FlowEstimator setHidden(int... widths) {
    for (int w : widths) {
      if (w < 1) {
        throw new IllegalArgumentException(
            "FlowEstimator: hidden widths must be >= 1, but were " + Arrays.toString(widths));
      }
    }
    set(hidden, widths.clone());
    return this;
  }

  /** Standardizes the inputs in the flow's first layer (true) or fits the raw values. */
  public FlowEstimator setStandardize(boolean on) {
    set(standardize, on);
    return this;
  }

  /**
   * Sets the optimizer steps each partition takes between parameter averages.
   *
   * @throws IllegalArgumentException if {@code k < 1}
   */
  public FlowEstimator setLocalSteps(int k) {
    if (k < 1) {
      throw new IllegalArgumentException("FlowEstimator: localSteps must be >= 1, but was " + k);
    }
    set(localSteps, k);
    return this;
  }

  /** Writes checkpoints to this file on the driver (empty: none). */
  public FlowEstimator setCheckpointPath(String path) {
    set(checkpointPath, path == null ? "" : path);
    return this;
  }

  /**
   * Sets the steps between checkpoints.
   *
   * @throws IllegalArgumentException if {@code steps < 1}
   */
  public FlowEstimator setCheckpointInterval(int steps) {
    if (steps < 1) {
      throw new IllegalArgumentException(
          "FlowEstimator: checkpointInterval must be >= 1, but was " + steps);
    }
    set(checkpointInterval, steps);
    return this;
  }

  /** Continues from the checkpoint file (which must exist) instead of starting afresh. */
  public FlowEstimator setResume(boolean on) {
    set(resume, on);
    return this;
  }

  /** Sets how to train (default {@link TrainingConfig#defaults()}). */
  public FlowEstimator setTrainingConfig(TrainingConfig config) {
    if (config == null) {
      throw new IllegalArgumentException("FlowEstimator: the training config must not be null");
    }
    this.trainingConfig = config;
    return this;
  }

  /** How to train. */
  public TrainingConfig getTrainingConfig() {
    return trainingConfig;
  }

  /**
   * Where the time of a run went (seconds, summed over the run; see {@code docs/design-notes.md}).
   *
   * @param jobs Spark jobs run by the training loop (steps or rounds of local steps, evaluations)
   * @param jobSeconds wall time of the training jobs, from the broadcast to the combined result
   * @param computeSeconds of those, the longest partition's own work per job (gradient or local
   *     steps), summed over jobs; {@code jobSeconds - computeSeconds} is Spark's overhead
   * @param driverSeconds the driver's work between jobs (clipping, the optimizer step, averaging)
   * @param evaluationSeconds validation jobs
   * @param checkpointSeconds writing checkpoints
   */
  public record Timings(
      long jobs,
      double jobSeconds,
      double computeSeconds,
      double driverSeconds,
      double evaluationSeconds,
      double checkpointSeconds) {}

  /**
   * What {@link #train} did.
   *
   * @param model the trained model
   * @param training the run's figures (as single-machine training reports them)
   * @param trainRows rows trained on
   * @param validationRows rows held out for validation
   * @param invalidRows rows dropped: a null, NaN or infinite input, a vector of another length, or
   *     a null context
   * @param partitions partitions of the data
   * @param localSteps optimizer steps per partition between averages
   * @param resumedFromStep the checkpoint's step the run continued from, 0 for a fresh run
   * @param timings where the time went
   */
  public record Result(
      FlowModel model,
      TrainingResult training,
      long trainRows,
      long validationRows,
      long invalidRows,
      int partitions,
      int localSteps,
      int resumedFromStep,
      Timings timings) {

    /** One line for a log: steps, time, jobs and their overhead, rows used and dropped. */
    public String summary() {
      TrainingResult r = training;
      int steps = r.stepsRun() - resumedFromStep;
      return String.format(
          Locale.ROOT,
          "spark fit: %d steps%s in %.1f s on %d partition%s (%d jobs; per step %.1f ms in jobs, of"
              + " which %.1f ms computing), stopped: %s; %,d rows trained on, %,d held out, %,d"
              + " invalid rows dropped",
          steps,
          resumedFromStep > 0 ? " (resumed at step " + resumedFromStep + ")" : "",
          r.trainSeconds(),
          partitions,
          partitions == 1 ? "" : "s",
          timings.jobs(),
          steps == 0 ? 0.0 : timings.jobSeconds() * 1e3 / steps,
          steps == 0 ? 0.0 : timings.computeSeconds() * 1e3 / steps,
          r.stopReason().name().toLowerCase(Locale.ROOT).replace('_', ' '),
          trainRows,
          validationRows,
          invalidRows);
    }
  }

  @Override
  public FlowModel fit(Dataset<?> dataset) {
    return train(dataset, TrainingListener.NONE).model();
  }

  /**
   * Trains a flow on the rows of {@code dataset}.
   *
   * @param listener progress after every step (or round of local steps), or {@code null}
   * @return the model and the run's figures
   * @throws IllegalArgumentException naming a missing or mistyped column, a flow without a
   *     conditional version given a context, a checkpoint whose settings or data differ, or data
   *     without a valid row
   * @throws io.flows4j.training.NonFiniteTrainingException if a loss or gradient is not finite (the
   *     message names the step; nothing is written)
   * @throws UncheckedIOException if a checkpoint cannot be read or written
   */
  public Result train(Dataset<?> dataset, TrainingListener listener) {
    StructType schema = dataset.schema();
    Setup s = setup(schema);
    TrainingConfig config = trainingConfig;
    Path ckpt = s.checkpoint;
    TrainingCheckpoint saved = checkpointToResume(ckpt, s.settings(config));
    int dimension = s.vectorColumn == null ? s.names.size() : vectorSize(dataset, s.vectorColumn);
    // The preset's own checks of the sizes (a coupling flow of one feature, say), before any job.
    if (s.contextNames.isEmpty()) {
      Presets.transform(s.flowName, dimension, s.layers, s.hidden, config.seed());
    } else {
      Presets.conditionalFlow(s.flowName, dimension, 1, s.layers, s.hidden, config.seed());
    }
    List<String> names =
        s.vectorColumn == null ? s.names : io.flows4j.data.Dataset.defaultColumnNames(dimension);
    RowFeatures features =
        RowFeatures.of(
            schema,
            dimension,
            s.vectorColumn == null ? names : List.of(),
            s.vectorColumn,
            null,
            List.of());
    RawBlock.Columns columns =
        new RawBlock.Columns(features, s.contextIndex, s.categorical, s.contextNames);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(dataset.sparkSession().sparkContext());
    TrainingData data = TrainingData.load(dataset.toDF().javaRDD(), columns, names, config);
    Broadcast<ModelBytes> broadcast = null;
    try {
      Json.Obj figures = dataFigures(data);
      Standardizer standardizer = s.standardize ? data.standardizer : null;
      if (saved != null) {
        List<String> diff =
            TrainingCheckpoint.differences(
                withoutStandardizer(saved.data()), withoutStandardizer(figures));
        if (!diff.isEmpty()) {
          throw new IllegalArgumentException(
              "FlowEstimator: resume: the data differ from those of the checkpoint "
                  + ckpt
                  + ": "
                  + String.join("; ", diff));
        }
        // The model's standardization is the checkpoint's (recomputing it could differ in the
        // last bits when the data are partitioned differently).
        figures = saved.data();
        standardizer = s.standardize ? standardizerOf(saved.data(), names) : null;
      }
      FittedModel initial =
          initialModel(
              s.flowName, s.layers, s.hidden, config.seed(), names, data.encoding, standardizer);
      ModelBytes bytes = ModelBytes.of(initial, "model");
      FittedModel driver = loadCopy(bytes);
      broadcast = jsc.broadcast(bytes);
      DistributedTrainer.Outcome o =
          new DistributedTrainer(
                  jsc,
                  data,
                  driver,
                  broadcast,
                  config,
                  s.localSteps,
                  ckpt,
                  s.checkpointInterval,
                  s.settings(config),
                  figures,
                  listener)
              .run(saved);
      FittedModel trained = finalModel(driver, names, data.encoding, config, o.result(), s, data);
      FlowModel model = FlowModel.of(ModelBytes.of(trained, "model"));
      model.setParent(this);
      return new Result(
          model,
          o.result(),
          data.trainTotal,
          data.validationTotal,
          data.invalidRows,
          data.partitions(),
          s.localSteps,
          o.resumedFrom(),
          o.timings());
    } finally {
      if (broadcast != null) {
        broadcast.destroy();
      }
      data.release();
    }
  }

  /** The checked settings of a run. */
  private static final class Setup {
    String flowName;
    int layers;
    int[] hidden;
    boolean standardize;
    int localSteps;
    Path checkpoint;
    int checkpointInterval;
    List<String> names = List.of();
    String vectorColumn;
    List<String> contextNames = List.of();
    int[] contextIndex = new int[0];
    boolean[] categorical = new boolean[0];

    /** What a checkpoint must share with the run that continues it. */
    Json.Obj settings(TrainingConfig config) {
      Map<String, Json> m = new LinkedHashMap<>();
      m.put("flow", Json.of(flowName));
      m.put("layers", Json.of(layers));
      List<Json> h = new ArrayList<>();
      for (int w : hidden) {
        h.add(Json.of(w));
      }
      m.put("hidden", Json.array(h));
      m.put("standardize", Json.of(standardize));
      m.put("input_columns", strings(names));
      m.put("vector_column", vectorColumn == null ? Json.Null.INSTANCE : Json.of(vectorColumn));
      m.put("context_columns", strings(contextNames));
      List<String> cat = new ArrayList<>();
      for (int j = 0; j < categorical.length; j++) {
        if (categorical[j]) {
          cat.add(contextNames.get(j));
        }
      }
      m.put("categorical_columns", strings(cat));
      m.put("local_steps", Json.of(localSteps));
      m.put("training", config.toJson());
      return Json.object(m);
    }
  }

  private static Json strings(List<String> list) {
    List<Json> out = new ArrayList<>();
    for (String s : list) {
      out.add(Json.of(s));
    }
    return Json.array(out);
  }

  /** Checks the parameters against the schema (no job runs). */
  private Setup setup(StructType schema) {
    Setup s = new Setup();
    s.flowName = getOrDefault(flow);
    String[] ctx = getOrDefault(contextCols);
    boolean conditional = ctx.length > 0;
    if (conditional && !Presets.CONDITIONAL_NAMES.contains(s.flowName)) {
      throw new IllegalArgumentException(
          "FlowEstimator: flow "
              + s.flowName
              + " has no conditional version; with contextCols use one of "
              + String.join(", ", Presets.CONDITIONAL_NAMES));
    }
    int k = (Integer) getOrDefault(layers);
    s.layers = k == 0 ? defaultLayers(s.flowName) : k;
    s.hidden = getOrDefault(hidden).clone();
    s.standardize = (Boolean) getOrDefault(standardize);
    s.localSteps = (Integer) getOrDefault(localSteps);
    String path = getOrDefault(checkpointPath);
    s.checkpoint = path.isBlank() ? null : Path.of(path);
    s.checkpointInterval = (Integer) getOrDefault(checkpointInterval);
    if ((Boolean) getOrDefault(resume) && s.checkpoint == null) {
      throw new IllegalArgumentException("FlowEstimator: resume needs a checkpointPath");
    }
    List<String> ctxNames = List.of(ctx);
    if (new HashSet<>(ctxNames).size() != ctxNames.size()) {
      throw new IllegalArgumentException(
          "FlowEstimator: contextCols must be distinct, but were " + ctxNames);
    }
    List<String> cat = List.of(getOrDefault(categoricalCols));
    for (String c : cat) {
      if (!ctxNames.contains(c)) {
        throw new IllegalArgumentException(
            "FlowEstimator: categorical column '" + c + "' is not a context column " + ctxNames);
      }
    }
    s.contextNames = ctxNames;
    s.contextIndex = new int[ctx.length];
    s.categorical = new boolean[ctx.length];
    for (int j = 0; j < ctx.length; j++) {
      s.contextIndex[j] = index(schema, ctx[j]);
      s.categorical[j] =
          cat.contains(ctx[j])
              || !(schema.fields()[s.contextIndex[j]].dataType() instanceof NumericType);
    }
    String[] cols = getOrDefault(inputCols);
    if (isSet(inputCol)) {
      if (cols.length > 0) {
        throw new IllegalArgumentException(
            "FlowEstimator: set either inputCols or inputCol, not both");
      }
      s.vectorColumn = $(inputCol);
      index(schema, s.vectorColumn);
      if (ctxNames.contains(s.vectorColumn)) {
        throw new IllegalArgumentException(
            "FlowEstimator: '" + s.vectorColumn + "' is both the input and a context column");
      }
      return s;
    }
    List<String> names = new ArrayList<>();
    if (cols.length > 0) {
      for (String c : cols) {
        index(schema, c);
        if (ctxNames.contains(c)) {
          throw new IllegalArgumentException(
              "FlowEstimator: '" + c + "' is both an input and a context column");
        }
        names.add(c);
      }
    } else {
      for (StructField f : schema.fields()) {
        if (f.dataType() instanceof NumericType && !ctxNames.contains(f.name())) {
          names.add(f.name());
        }
      }
      if (names.isEmpty()) {
        throw new IllegalArgumentException(
            "FlowEstimator: the data have no numeric column to model"
                + (conditional ? " besides the context " + ctxNames : "")
                + "; the columns are "
                + List.of(schema.fieldNames()));
      }
    }
    if (new HashSet<>(names).size() != names.size()) {
      throw new IllegalArgumentException(
          "FlowEstimator: inputCols must be distinct, but were " + names);
    }
    s.names = List.copyOf(names);
    return s;
  }

  private static int index(StructType schema, String name) {
    for (int i = 0; i < schema.fields().length; i++) {
      if (schema.fields()[i].name().equals(name)) {
        return i;
      }
    }
    throw new IllegalArgumentException(
        "FlowEstimator: column '"
            + name
            + "' does not exist; the data has "
            + List.of(schema.fieldNames()));
  }

  /** The layers {@code flows4j fit} uses for a preset when none are given. */
  static int defaultLayers(String preset) {
    return switch (preset) {
      case "maf" -> 5;
      case "nsf-ar" -> 4;
      case "planar", "radial" -> 16;
      default -> 8;
    };
  }

  /** The length of the first non-null vector or array of {@code column} (one small job). */
  private static int vectorSize(Dataset<?> dataset, String column) {
    List<Row> first =
        dataset.toDF().select(column).where(functions.col(column).isNotNull()).takeAsList(1);
    if (first.isEmpty()) {
      throw new IllegalArgumentException(
          "FlowEstimator: column '" + column + "' holds no vector (every row is null)");
    }
    Object v = first.get(0).get(0);
    int d = v instanceof Vector vec ? vec.size() : ((scala.collection.Seq<?>) v).length();
    if (d < 1) {
      throw new IllegalArgumentException(
          "FlowEstimator: the vectors of column '" + column + "' must have values, but are empty");
    }
    return d;
  }

  /** Reads the checkpoint to resume from, or refuses to overwrite one when not resuming. */
  private TrainingCheckpoint checkpointToResume(Path ckpt, Json.Obj settings) {
    if (ckpt == null) {
      return null;
    }
    if (!(Boolean) getOrDefault(resume)) {
      if (Files.exists(ckpt)) {
        throw new IllegalArgumentException(
            "FlowEstimator: "
                + ckpt
                + " exists: continue it with resume, or delete it to start afresh");
      }
      return null;
    }
    TrainingCheckpoint c;
    try {
      c = TrainingCheckpoint.read(ckpt);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(
          "FlowEstimator: resume: there is no checkpoint " + ckpt + "; start without resume", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
    List<String> diff = TrainingCheckpoint.differences(c.settings(), settings);
    if (!diff.isEmpty()) {
      throw new IllegalArgumentException(
          "FlowEstimator: resume: the checkpoint "
              + ckpt
              + " was written with other settings: "
              + String.join("; ", diff));
    }
    return c;
  }

  /** Row counts, standardization and context encoding of the data (stored in checkpoints). */
  private static Json.Obj dataFigures(TrainingData data) {
    Map<String, Json> m = new LinkedHashMap<>();
    m.put("train_rows", Json.of(data.trainTotal));
    m.put("validation_rows", Json.of(data.validationTotal));
    m.put("dimension", Json.of(data.dimension));
    m.put("context", data.encoding == null ? Json.Null.INSTANCE : data.encoding.toJson());
    Standardizer st = data.standardizer;
    m.put("standardizer_mean", numbers(st.mean()));
    m.put("standardizer_std", numbers(st.std()));
    m.put("standardizer_constant", strings(st.constantColumns()));
    return Json.object(m);
  }

  private static Json.Obj withoutStandardizer(Json.Obj figures) {
    Map<String, Json> m = new LinkedHashMap<>(figures.members());
    m.keySet().removeIf(k -> k.startsWith("standardizer_"));
    return Json.object(m);
  }

  private static Json numbers(double[] values) {
    List<Json> out = new ArrayList<>();
    for (double v : values) {
      out.add(Json.of(v));
    }
    return Json.array(out);
  }

  private static Standardizer standardizerOf(Json.Obj figures, List<String> names) {
    Json.Arr mean = figures.getArray("standardizer_mean");
    Json.Arr std = figures.getArray("standardizer_std");
    Json.Arr constant = figures.getArray("standardizer_constant");
    double[] m = new double[mean.size()];
    double[] s = new double[std.size()];
    for (int i = 0; i < m.length; i++) {
      m[i] = ((Json.Num) mean.get(i)).doubleValue();
      s[i] = ((Json.Num) std.get(i)).doubleValue();
    }
    List<String> c = new ArrayList<>();
    for (int i = 0; i < constant.size(); i++) {
      c.add(((Json.Str) constant.get(i)).value());
    }
    return new Standardizer(names, m, s, c);
  }

  /**
   * The untrained model: the preset's flow (conditional with an encoding), with the standardization
   * as first layer when one is given, built as {@link FittedModel#fit} and {@link
   * FittedModel#fitConditional} build it.
   */
  static FittedModel initialModel(
      String flowName,
      int layers,
      int[] hidden,
      long seed,
      List<String> names,
      ContextEncoding encoding,
      Standardizer standardizer) {
    int d = names.size();
    if (encoding == null) {
      Flow f = Presets.flow(flowName, d, layers, hidden, seed);
      if (standardizer != null) {
        f = new Flow(Bijectors.chain(Standardization.of(standardizer), f.transform()), f.base());
      }
      return new FittedModel(f, names, null, null, Map.of());
    }
    ConditionalFlow f =
        Presets.conditionalFlow(flowName, d, encoding.features(), layers, hidden, seed);
    if (standardizer != null) {
      f = f.prepend(Standardization.of(standardizer));
    }
    return new FittedModel(f, names, encoding, null, null, Map.of());
  }

  /** A separate instance of the model in {@code bytes} (the driver's own, never shared). */
  private static FittedModel loadCopy(ModelBytes bytes) {
    try {
      Path tmp = Files.createTempFile("flows4j-driver", ".flows4j");
      try {
        Files.write(tmp, bytes.content());
        return FittedModel.load(tmp);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("FlowEstimator: cannot load the initial model: " + e, e);
    }
  }

  /** The trained model with its configuration, result and metadata (as {@code flows4j fit}'s). */
  private static FittedModel finalModel(
      FittedModel driver,
      List<String> names,
      ContextEncoding encoding,
      TrainingConfig config,
      TrainingResult result,
      Setup s,
      TrainingData data) {
    StringBuilder h = new StringBuilder();
    for (int w : s.hidden) {
      h.append(h.length() == 0 ? "" : ",").append(w);
    }
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("flows4j.preset", s.flowName);
    meta.put("flows4j.layers", Integer.toString(s.layers));
    meta.put("flows4j.hidden", h.toString());
    meta.put("flows4j.spark.partitions", Integer.toString(data.partitions()));
    meta.put("flows4j.spark.local_steps", Integer.toString(s.localSteps));
    meta.put("flows4j.spark.invalid_rows", Long.toString(data.invalidRows));
    if (encoding == null) {
      return new FittedModel(driver.flow(), names, config, result, meta);
    }
    return new FittedModel(
        driver.conditionalFlow().orElseThrow(), names, encoding, config, result, meta);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    setup(schema);
    return new ScoreColumns("log_prob", "bits_per_dim", "", "").append(schema);
  }

  @Override
  public FlowEstimator copy(ParamMap extra) {
    FlowEstimator that = new FlowEstimator(uid);
    copyValues(that, extra);
    that.trainingConfig = trainingConfig;
    return that;
  }
}
