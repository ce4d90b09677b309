package io.flows4j.spark;

import io.flows4j.data.ContextEncoding;
import io.flows4j.model.FittedModel;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

/**
 * A flows4j model as a Spark ML pipeline stage: {@link #transform} appends to every row its
 * log-density {@code log p(x)} (or {@code log p(x | c)} for a conditional model) and the derived
 * scores (see {@link ScoreColumns}): {@code log_prob}, {@code bits_per_dim}, and for a model
 * calibrated for anomaly detection ({@code flows4j fit --contamination}, {@code flows4j calibrate})
 * {@code percentile} and {@code anomaly}.
 *
 * <pre>{@code
 * FlowModel scorer = FlowModel.fromFile(Path.of("model.flows4j"));   // fails here if the file is bad
 * Dataset<Row> scored = scorer.transform(df);                         // columns picked by name
 * }</pre>
 *
 * <p>Inputs: by default the model's own column names ({@link #setInputCols} to read others, in the
 * model's order), or one vector/array column ({@link #setInputCol}); the context of a conditional
 * model from the columns the model was trained with ({@link #setContextCols}). Rows are scored in
 * blocks of {@link #blockSize()} (4096) rows per engine call; the model file is broadcast once per
 * {@code transform} and loaded once per executor JVM ({@link ModelCache}). A row with a null, NaN
 * or infinite feature, a vector of the wrong length, or an unknown context label gets null scores
 * and is counted ({@link #score}), never failing a task.
 */
public final class FlowModel extends Model<FlowModel> implements MLWritable {
  private static final long serialVersionUID = 1L;

  /** Rows per engine call by default. */
  public static final int DEFAULT_BLOCK_SIZE = 4096;

  private final String uid;
  private final ModelBytes bytes;
  private transient FittedModel fitted;
  private transient Broadcast<ModelBytes> broadcast;

  private final StringArrayParam inputCols;
  private final Param<String> inputCol;
  private final StringArrayParam contextCols;
  private final Param<String> logProbCol;
  private final Param<String> bitsPerDimCol;
  private final Param<String> percentileCol;
  private final Param<String> anomalyCol;
  private final IntParam blockSize;

  private FlowModel(String uid, ModelBytes bytes) {
    this.uid = uid;
    this.bytes = bytes;
    // After the uid: a Param takes its parent's uid when it is made.
    this.inputCols =
        new StringArrayParam(this, "inputCols", "numeric input columns, in the model's order");
    this.inputCol =
        new Param<>(this, "inputCol", "one vector or array column holding all the inputs");
    this.contextCols =
        new StringArrayParam(this, "contextCols", "context columns of a conditional model");
    this.logProbCol =
        new Param<>(this, "logProbCol", "output column of log p(x) in nats (empty: none)");
    this.bitsPerDimCol =
        new Param<>(this, "bitsPerDimCol", "output column of -log p(x) / (D ln 2) (empty: none)");
    this.percentileCol =
        new Param<>(this, "percentileCol", "output column of the calibration percentile");
    this.anomalyCol = new Param<>(this, "anomalyCol", "output column of the anomaly flag");
    this.blockSize =
        new IntParam(this, "blockSize", "rows per engine call", ParamValidators.gtEq(1));
    this.fitted = loadChecked(bytes);
    setDefault(logProbCol, "log_prob");
    setDefault(bitsPerDimCol, "bits_per_dim");
    setDefault(percentileCol, "percentile");
    setDefault(anomalyCol, "anomaly");
    setDefault(blockSize, DEFAULT_BLOCK_SIZE);
  }

  /**
   * The scorer of a model file, read and checked here on the driver.
   *
   * @throws java.io.UncheckedIOException {@code <file>: no such file}, or what is wrong with the
   *     file, before any task runs
   */
  public static FlowModel fromFile(Path file) {
    return new FlowModel(Identifiable.randomUID("flows4j"), ModelBytes.read(file));
  }

  /** The scorer of a model in memory. */
  public static FlowModel of(FittedModel model) {
    return new FlowModel(Identifiable.randomUID("flows4j"), ModelBytes.of(model, "model"));
  }

  /** As {@link #of(ModelBytes)} with a given uid (Spark ML persistence). */
  static FlowModel withUid(String uid, ModelBytes bytes) {
    return new FlowModel(uid, bytes);
  }

  /**
   * Spark ML persistence: {@code scorer.write().save(path)} writes the parameters and the model
   * file under {@code path} (so pipelines holding the scorer can be saved), {@link #read()} or
   * {@link #load(String)} read it back.
   */
  @Override
  public MLWriter write() {
    return new FlowModelPersistence.Writer(this);
  }

  /** The reader of {@link #write()}'s folders (found by Spark's pipeline loader by name). */
  public static MLReader<FlowModel> read() {
    return new FlowModelPersistence.Reader();
  }

  /** Reads a scorer saved by {@code write().save(path)}. */
  public static FlowModel load(String path) {
    return read().load(path);
  }

  /** The scorer of model bytes (as {@link FlowEstimator} produces them). */
  static FlowModel of(ModelBytes bytes) {
    return new FlowModel(Identifiable.randomUID("flows4j"), bytes);
  }

  private static FittedModel loadChecked(ModelBytes bytes) {
    try (ModelCache.Lease lease = ModelCache.borrow(bytes)) {
      return lease.model();
    }
  }

  /** The model (for its columns, context encoding and calibration; do not score with it here). */
  public FittedModel fittedModel() {
    if (fitted == null) {
      fitted = loadChecked(bytes);
    }
    return fitted;
  }

  /** The model file's bytes. */
  public ModelBytes modelBytes() {
    return bytes;
  }

  /** Writes the model file to {@code file} atomically. */
  public void writeModelFile(Path file) {
    bytes.writeTo(file);
  }

  @Override
  public String uid() {
    return uid;
  }

  /** The numeric input columns (default: the model's column names). */
  public StringArrayParam inputCols() {
    return inputCols;
  }

  /** One vector or array column with all the inputs (default: unset, {@link #inputCols} used). */
  public Param<String> inputCol() {
    return inputCol;
  }

  /** The context columns of a conditional model (default: the names it was trained with). */
  public StringArrayParam contextCols() {
    return contextCols;
  }

  /** The output column of {@code log p(x)} (default {@code log_prob}; empty: left out). */
  public Param<String> logProbCol() {
    return logProbCol;
  }

  /** The output column of bits per dimension (default {@code bits_per_dim}; empty: left out). */
  public Param<String> bitsPerDimCol() {
    return bitsPerDimCol;
  }

  /** The output column of the percentile (default {@code percentile}; calibrated models only). */
  public Param<String> percentileCol() {
    return percentileCol;
  }

  /** The output column of the anomaly flag (default {@code anomaly}; calibrated models only). */
  public Param<String> anomalyCol() {
    return anomalyCol;
  }

  /** Rows per engine call (default {@value #DEFAULT_BLOCK_SIZE}). */
  public IntParam blockSize() {
    return blockSize;
  }

  /** Reads the inputs from these numeric columns, in the model's order. */
  public FlowModel setInputCols(String... names) {
    set(inputCols, names);
    return this;
  }

  /** Reads all the inputs from this vector or array column. */
  public FlowModel setInputCol(String name) {
    set(inputCol, name);
    return this;
  }

  /** Reads the context from these columns, in the model's order. */
  public FlowModel setContextCols(String... names) {
    set(contextCols, names);
    return this;
  }

  /** Names the {@code log p(x)} column ({@code ""}: leave it out). */
  public FlowModel setLogProbCol(String name) {
    set(logProbCol, name);
    return this;
  }

  /** Names the bits-per-dimension column ({@code ""}: leave it out). */
  public FlowModel setBitsPerDimCol(String name) {
    set(bitsPerDimCol, name);
    return this;
  }

  /** Names the percentile column ({@code ""}: leave it out). */
  public FlowModel setPercentileCol(String name) {
    set(percentileCol, name);
    return this;
  }

  /** Names the anomaly column ({@code ""}: leave it out). */
  public FlowModel setAnomalyCol(String name) {
    set(anomalyCol, name);
    return this;
  }

  /** Sets the rows per engine call. */
  public FlowModel setBlockSize(int rows) {
    set(blockSize, rows);
    return this;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    features(schema);
    return outputs().append(schema);
  }

  /**
   * What {@link #score} returns: the scored rows and the counts of scored and invalid rows, which
   * Spark fills as actions run on {@code rows} (each action that computes the rows adds to them
   * again: read them after the one action that writes or collects the result).
   */
  public record Scored(Dataset<Row> rows, LongAccumulator rowCount, LongAccumulator invalidCount) {}

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    return score(dataset).rows();
  }

  /**
   * As {@link #transform}, with the counters of scored and invalid rows (filled when an action runs
   * on the result).
   *
   * @throws IllegalArgumentException naming a missing input column, one of the wrong type, the
   *     wrong number of columns, or an output column that exists already
   */
  public Scored score(Dataset<?> dataset) {
    StructType in = dataset.schema();
    RowFeatures f = features(in);
    ScoreColumns out = outputs();
    StructType outSchema = out.append(in);
    SparkSession spark = dataset.sparkSession();
    LongAccumulator rows = spark.sparkContext().longAccumulator("flows4j scored rows");
    LongAccumulator invalid = spark.sparkContext().longAccumulator("flows4j invalid rows");
    ScoringPlan plan =
        new ScoringPlan(broadcast(spark), f, out, (Integer) getOrDefault(blockSize), rows, invalid);
    Dataset<Row> scored =
        dataset.toDF().mapPartitions(partitionScorer(plan), Encoders.row(outSchema));
    return new Scored(scored, rows, invalid);
  }

  /** Built in a static method so that the function captures the plan alone. */
  private static MapPartitionsFunction<Row, Row> partitionScorer(ScoringPlan plan) {
    return plan::scorePartition;
  }

  private synchronized Broadcast<ModelBytes> broadcast(SparkSession spark) {
    if (broadcast == null || spark.sparkContext().isStopped()) {
      broadcast = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(bytes);
    }
    return broadcast;
  }

  private RowFeatures features(StructType schema) {
    FittedModel m = fittedModel();
    List<String> cols =
        isDefined(inputCols) && isSet(inputCols) ? List.of($(inputCols)) : m.columnNames();
    String vec = isSet(inputCol) ? $(inputCol) : null;
    if (vec != null && isSet(inputCols)) {
      throw new IllegalArgumentException("set either inputCols or inputCol, not both");
    }
    ContextEncoding ctx = m.contextEncoding().orElse(null);
    List<String> ctxCols =
        ctx == null ? List.of() : isSet(contextCols) ? List.of($(contextCols)) : ctx.columnNames();
    if (ctx == null && isSet(contextCols) && $(contextCols).length > 0) {
      throw new IllegalArgumentException(
          "the model is not conditional, but contextCols were given: " + List.of($(contextCols)));
    }
    return RowFeatures.of(schema, m.dimension(), cols, vec, ctx, ctxCols);
  }

  private ScoreColumns outputs() {
    boolean calibrated = fittedModel().calibration().isPresent();
    return new ScoreColumns(
        getOrDefault(logProbCol),
        getOrDefault(bitsPerDimCol),
        calibrated ? getOrDefault(percentileCol) : "",
        calibrated ? getOrDefault(anomalyCol) : "");
  }

  @Override
  public FlowModel copy(ParamMap extra) {
    FlowModel that = new FlowModel(uid, bytes);
    copyValues(that, extra);
    return that.setParent(parent());
  }
}
