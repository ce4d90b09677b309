package io.flows4j.model;

import io.flows4j.anomaly.Calibration;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijectors;
import io.flows4j.bijectors.Chain;
import io.flows4j.bijectors.Standardization;
import io.flows4j.bijectors.Transformed;
import io.flows4j.data.Dataset;
import io.flows4j.data.Standardizer;
import io.flows4j.flows.Flow;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.NonFiniteException;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import io.flows4j.training.Trainer;
import io.flows4j.training.TrainingConfig;
import io.flows4j.training.TrainingListener;
import io.flows4j.training.TrainingResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A flow fitted to a table of data, in the data's own units: the flow, the names of the columns it
 * models, and how it was trained. This is what a model file holds ({@link ModelFile}) and what the
 * command line works on.
 *
 * <p><b>Densities in data units.</b> When the data is standardized, the standardization is the
 * first layer of the flow's chain (a {@link Standardization} bijector, {@code T(x) = (x - mean) /
 * std}), so the flow's density is {@code log p(x) = log q(T(x)) - sum_j log std_j}, an exact
 * density of the raw data, and samples come out as raw data: nothing outside the flow transforms
 * the data.
 *
 * <p><b>Columns.</b> Methods taking a {@link Dataset} pick the model's columns by name when the
 * data has them all (in any order, among others); data whose column names share none with the
 * model's but whose column count matches (a file without a header, say) is taken column by column
 * in order. Anything else is refused with a message naming the columns.
 *
 * <p>The flow is kept in evaluation mode. Every method runs without recording and returns new
 * arrays; large inputs are processed in chunks of {@value #CHUNK_ROWS} rows.
 */
public final class FittedModel {
  /** Rows per chunk when evaluating, encoding, decoding or sampling. */
  public static final int CHUNK_ROWS = 4096;

  private final Flow flow;
  private final List<String> columns;
  private final TrainingConfig trainingConfig;
  private final TrainingResult trainingResult;
  private final Map<String, String> metadata;
  private final Calibration calibration;

  /**
   * A fitted model.
   *
   * @param flow the flow over the data; put in evaluation mode
   * @param columns the names of the data columns, one per feature of the flow's input
   * @param trainingConfig how the flow was trained, or {@code null} if unknown
   * @param trainingResult what training did, or {@code null} if unknown
   * @param metadata free-form strings stored with the model
   * @throws io.flows4j.tensor.ShapeMismatchException if the flow does not take {@code
   *     columns.size()} features
   * @throws IllegalArgumentException if the column names are blank or repeated
   */
  public FittedModel(
      Flow flow,
      List<String> columns,
      TrainingConfig trainingConfig,
      TrainingResult trainingResult,
      Map<String, String> metadata) {
    Checks.requireArgument(flow != null, "FittedModel: flow must not be null");
    // Reuses the data layer's rules for names (non-blank, unique).
    this.columns = Dataset.of(columns, new float[0]).columnNames();
    int d = this.columns.size();
    Shape latent = flow.transform().forwardEventShape(Shape.of(d));
    Checks.requireShape(
        latent.equals(flow.base().eventShape()),
        "FittedModel: the flow must take %d features (columns %s), but its transform maps %s to %s"
            + " and its base has event shape %s",
        d,
        describe(this.columns),
        Shape.of(d),
        latent,
        flow.base().eventShape());
    this.flow = flow;
    this.trainingConfig = trainingConfig;
    this.trainingResult = trainingResult;
    this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    this.calibration = null;
    flow.eval();
  }

  /** A copy of a (checked) model with other metadata and calibration. */
  private FittedModel(FittedModel m, Map<String, String> metadata, Calibration calibration) {
    this.flow = m.flow;
    this.columns = m.columns;
    this.trainingConfig = m.trainingConfig;
    this.trainingResult = m.trainingResult;
    this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    this.calibration = calibration;
  }

  /** A model of the flow over columns with the given names, without a training history. */
  public static FittedModel of(Flow flow, List<String> columns) {
    return new FittedModel(flow, columns, null, null, Map.of());
  }

  /**
   * Fits {@code flow} to {@code data} by maximum likelihood ({@link Trainer}) and returns the
   * model. When {@code standardize} is set, a {@link Standardizer} is fitted on the training rows
   * (not the validation rows) and its {@link Standardization} becomes the first layer of the
   * returned model's flow, {@code chain(standardization, flow.transform())} over {@code
   * flow.base()}, so that every loss and NLL is a figure of the raw data.
   *
   * @param flow the flow; its parameters are trained in place (and shared with the returned model's
   *     flow)
   * @param data the data; its column names become the model's
   * @param validation validation rows, or {@code null} to hold some out of {@code data} as {@code
   *     config} asks
   * @param standardize whether to standardize the columns first
   * @param config the training configuration
   * @param listener progress, or {@code null}
   * @throws io.flows4j.training.NonFiniteTrainingException if training meets a NaN or infinite loss
   *     or gradient
   * @throws io.flows4j.tensor.ShapeMismatchException if the data does not fit the flow
   */
  public static FittedModel fit(
      Flow flow,
      Dataset data,
      Dataset validation,
      boolean standardize,
      TrainingConfig config,
      TrainingListener listener) {
    Dataset.Split split =
        validation == null
            ? Trainer.split(data, config)
            : new Dataset.Split(data, align(validation, data.columnNames(), "FittedModel.fit"));
    Flow trained = flow;
    if (standardize) {
      Standardization st = Standardization.of(Standardizer.fit(split.train()));
      trained = new Flow(Bijectors.chain(st, flow.transform()), flow.base());
    }
    TrainingResult r = Trainer.train(trained, split.train(), split.validation(), config, listener);
    return new FittedModel(trained, data.columnNames(), config, r, Map.of());
  }

  /**
   * Reads a model file.
   *
   * @throws io.flows4j.io.FileFormatException if the file is truncated, corrupted, of another
   *     format or version, or does not describe a model this library can build
   * @throws IOException if the file cannot be read
   * @see ModelFile#load
   */
  public static FittedModel load(Path file) throws IOException {
    return ModelFile.load(file);
  }

  /**
   * Writes this model to a file atomically.
   *
   * @throws IOException if writing fails (an existing file is then left unchanged)
   * @see ModelFile#save
   */
  public void save(Path file) throws IOException {
    ModelFile.save(file, this);
  }

  /** This model with other free-form metadata. */
  public FittedModel withMetadata(Map<String, String> metadata) {
    return new FittedModel(this, metadata, calibration);
  }

  /**
   * This model with an anomaly calibration (stored in its file), or without one for {@code null}.
   *
   * @see io.flows4j.anomaly.AnomalyScorer
   */
  public FittedModel withCalibration(Calibration calibration) {
    return new FittedModel(this, metadata, calibration);
  }

  /** The anomaly calibration (reference log-densities and threshold), if the model has one. */
  public Optional<Calibration> calibration() {
    return Optional.ofNullable(calibration);
  }

  /** The flow, over the data in its own units. */
  public Flow flow() {
    return flow;
  }

  /** The names of the columns the model describes, in order. */
  public List<String> columnNames() {
    return columns;
  }

  /** The number of columns {@code D}. */
  public int dimension() {
    return columns.size();
  }

  /** The standardization of the data, when it is the first layer of the flow's chain. */
  public Optional<Standardization> standardization() {
    if (flow.transform() instanceof Chain c && c.layers().get(0) instanceof Standardization s) {
      return Optional.of(s);
    }
    return Optional.empty();
  }

  /** How the flow was trained, if known. */
  public Optional<TrainingConfig> trainingConfig() {
    return Optional.ofNullable(trainingConfig);
  }

  /** What training did (steps, best validation NLL, timings, learning curve), if known. */
  public Optional<TrainingResult> trainingResult() {
    return Optional.ofNullable(trainingResult);
  }

  /** The free-form metadata. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** The number of trained scalars of the flow. */
  public long parameterCount() {
    return flow.parameterCount();
  }

  /** The model's description as stored in its file (architecture, columns, training, metadata). */
  public io.flows4j.io.Json.Obj describe() {
    return ModelFile.describe(this);
  }

  /**
   * The log-density of each row in data units.
   *
   * @param x raw data of shape {@code [batch, D]}
   * @return {@code log p(x)} of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code x} is not {@code [batch, D]}
   */
  public Tensor logProb(Tensor x) {
    requireRows("FittedModel.logProb", x);
    return flow.logProb(x);
  }

  /**
   * The log-density of each row of {@code data} in data units, one value per row.
   *
   * @throws io.flows4j.tensor.ShapeMismatchException if the data's columns do not match the model's
   *     (see the class comment)
   */
  public float[] logProb(Dataset data) {
    Dataset d = align(data, columns, "FittedModel.logProb");
    float[] out = new float[d.rows()];
    forChunks(
        d,
        (from, x) -> {
          Tensor lp = logProb(x);
          System.arraycopy(lp.data(), lp.offset(), out, from, lp.size());
        });
    return out;
  }

  /**
   * The mean negative log-likelihood of the rows of {@code data} (nats) and in bits per dimension.
   *
   * @throws IllegalArgumentException if the data has no rows
   * @throws io.flows4j.tensor.ShapeMismatchException if the columns do not match the model's
   */
  public Evaluation evaluate(Dataset data) {
    Checks.requireArgument(data.rows() > 0, "FittedModel.evaluate: the data must have rows");
    float[] lp = logProb(data);
    double sum = 0;
    for (float v : lp) {
      sum -= v;
    }
    double nll = sum / lp.length;
    return new Evaluation(lp.length, nll, nll / (dimension() * Math.log(2)));
  }

  /**
   * The result of {@link #evaluate}.
   *
   * @param rows rows evaluated
   * @param meanNll mean of {@code -log p(x)} in nats
   * @param bitsPerDim {@code meanNll / (D ln 2)}
   */
  public record Evaluation(int rows, double meanNll, double bitsPerDim) {}

  /**
   * Maps data to latent space (the flow's forward, normalizing direction).
   *
   * @return the latent values, columns named {@code z0, z1, ...}
   */
  public Dataset encode(Dataset data) {
    Dataset d = align(data, columns, "FittedModel.encode");
    float[] out = new float[d.rows() * dimension()];
    forChunks(
        d,
        (from, x) -> {
          Tensor z = encode(x);
          System.arraycopy(z.data(), z.offset(), out, from * dimension(), z.size());
        });
    return finite("FittedModel.encode", out, latentNames(), "encoding");
  }

  /**
   * Maps raw data of shape {@code [batch, D]} to latent values of the same shape.
   *
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code x} is not {@code [batch, D]}
   */
  public Tensor encode(Tensor x) {
    requireRows("FittedModel.encode", x);
    return flow.encode(x);
  }

  /**
   * Maps latent values to data (the flow's inverse, generative direction).
   *
   * @param latent latent values with {@code D} columns (taken in order, whatever their names)
   * @return data with the model's column names
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code latent} does not have {@code D}
   *     columns
   * @throws NonFiniteException if a decoded value overflows
   */
  public Dataset decode(Dataset latent) {
    Checks.requireShape(
        latent.columns() == dimension(),
        "FittedModel.decode: the latent data must have %d columns, but has %d",
        dimension(),
        latent.columns());
    float[] out = new float[latent.rows() * dimension()];
    forChunks(
        latent,
        (from, z) -> {
          Tensor x = decode(z);
          System.arraycopy(x.data(), x.offset(), out, from * dimension(), x.size());
        });
    return finite("FittedModel.decode", out, columns, "decoding");
  }

  /**
   * Maps latent values of shape {@code [batch, D]} to raw data of the same shape.
   *
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code z} is not {@code [batch, D]}
   */
  public Tensor decode(Tensor z) {
    requireRows("FittedModel.decode", z);
    return flow.decode(z);
  }

  /**
   * Draws {@code n} samples in data units: {@code z} from the base at the given temperature (its
   * spread scaled by {@code temperature}), decoded. The same seed gives the same samples.
   *
   * @throws IllegalArgumentException if {@code n < 0} or {@code temperature} is not {@code > 0}
   * @throws NonFiniteException if a sample overflows (a lower temperature may help)
   */
  public Dataset sample(int n, long seed, double temperature) {
    return draw(n, seed, temperature, false).values();
  }

  /**
   * Draws {@code n} samples in data units, as {@link #sample}, and the model's log-density of each
   * computed in the same pass: {@code log p(x) = log p_Z(z) - log|det df^-1/dz|}. The log-density
   * is that of the model itself, not of the tempered sampling distribution.
   *
   * @throws IllegalArgumentException if {@code n < 0} or {@code temperature} is not {@code > 0}
   * @throws NonFiniteException if a sample overflows
   */
  public Samples sampleWithLogProb(int n, long seed, double temperature) {
    return draw(n, seed, temperature, true);
  }

  /**
   * Samples and their log-densities.
   *
   * @param values the samples, with the model's column names
   * @param logProb {@code log p(x)} of each sample, or {@code null} when not asked for
   */
  @SuppressWarnings("ArrayRecordComponent") // a column of results, handed over, not shared
  public record Samples(Dataset values, float[] logProb) {}

  private Samples draw(int n, long seed, double temperature, boolean withLogProb) {
    String op = withLogProb ? "FittedModel.sampleWithLogProb" : "FittedModel.sample";
    Checks.requireArgument(n >= 0, "%s: n must be >= 0, but was %d", op, n);
    Checks.requireArgument(
        temperature > 0 && Double.isFinite(temperature),
        "%s: temperature must be finite and > 0, but was %s",
        op,
        temperature);
    int d = dimension();
    float[] out = new float[Math.multiplyExact(n, d)];
    float[] lps = withLogProb ? new float[n] : null;
    Rng rng = new Rng(seed);
    for (int from = 0; from < n; from += CHUNK_ROWS) {
      int m = Math.min(CHUNK_ROWS, n - from);
      Tensor z = flow.base().sample(m, temperature, rng);
      try (Tape tape = Tape.noGrad()) {
        Var zv = tape.input(z);
        Transformed x = flow.transform().inverse(zv);
        Tensor xv = x.value().value();
        System.arraycopy(xv.data(), xv.offset(), out, from * d, m * d);
        if (withLogProb) {
          Tensor lpz = flow.base().logProb(zv).value();
          Tensor inv = x.logAbsDet().value();
          for (int i = 0; i < m; i++) {
            lps[from + i] = lpz.getFlat(i) - inv.getFlat(i);
          }
        }
      }
    }
    String hint = String.format(Locale.ROOT, "sampling at temperature %s", temperature);
    return new Samples(finite(op, out, columns, hint), lps);
  }

  /** Copies rows of {@code data} chunk by chunk into a reused buffer and hands them over. */
  private static void forChunks(Dataset data, ChunkConsumer consumer) {
    int n = data.rows();
    if (n == 0) {
      return;
    }
    Tensor buffer = Tensor.zeros(Math.min(CHUNK_ROWS, n), data.columns());
    for (int from = 0; from < n; from += CHUNK_ROWS) {
      int to = Math.min(n, from + CHUNK_ROWS);
      consumer.accept(from, data.copyRows(from, to, buffer.rows(0, to - from)));
    }
  }

  @FunctionalInterface
  private interface ChunkConsumer {
    void accept(int from, Tensor rows);
  }

  private void requireRows(String op, Tensor x) {
    Checks.requireShape(
        x.rank() == 2 && x.dim(1) == dimension(),
        "%s: input must have shape [batch, %d] (columns %s), but was %s",
        op,
        dimension(),
        describe(columns),
        x.shape());
  }

  /** The data's columns in the model's order, by the rule of the class comment. */
  static Dataset align(Dataset data, List<String> columns, String op) {
    List<String> have = data.columnNames();
    if (have.equals(columns)) {
      return data;
    }
    if (have.containsAll(columns)) {
      return data.select(columns);
    }
    List<String> missing = new ArrayList<>();
    boolean shared = false;
    for (String c : columns) {
      if (have.contains(c)) {
        shared = true;
      } else {
        missing.add(c);
      }
    }
    if (!shared && have.size() == columns.size()) {
      return data.withColumnNames(columns);
    }
    if (shared) {
      Checks.requireShape(
          false,
          "%s: the data lacks the model's column(s) %s; its columns are %s, the model's %s",
          op,
          describe(missing),
          describe(have),
          describe(columns));
    }
    Checks.requireShape(
        false,
        "%s: the data has %d columns (%s), but the model was trained on %d (%s)",
        op,
        have.size(),
        describe(have),
        columns.size(),
        describe(columns));
    return data;
  }

  private List<String> latentNames() {
    List<String> names = new ArrayList<>(dimension());
    for (int j = 0; j < dimension(); j++) {
      names.add("z" + j);
    }
    return names;
  }

  private static Dataset finite(String op, float[] values, List<String> names, String what) {
    int d = names.size();
    for (int k = 0; k < values.length; k++) {
      if (!Float.isFinite(values[k])) {
        throw new NonFiniteException(
            String.format(
                Locale.ROOT,
                "%s: row %d, column %s is %s after %s (the flow overflowed; a lower temperature or"
                    + " inputs closer to the training data may help)",
                op,
                k / d,
                names.get(k % d),
                values[k],
                what));
      }
    }
    return Dataset.of(names, values);
  }

  private static String describe(List<String> names) {
    return String.join(", ", names);
  }
}
