package io.flows4j.model;

import io.flows4j.anomaly.Calibration;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.Bijectors;
import io.flows4j.bijectors.Chain;
import io.flows4j.bijectors.Standardization;
import io.flows4j.bijectors.Transformed;
import io.flows4j.data.ContextEncoding;
import io.flows4j.data.Dataset;
import io.flows4j.data.Standardizer;
import io.flows4j.flows.ConditionalFlow;
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
  private final ConditionalFlow conditionalFlow;
  private final ContextEncoding context;
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
    this.conditionalFlow = null;
    this.context = null;
    this.trainingConfig = trainingConfig;
    this.trainingResult = trainingResult;
    this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    this.calibration = null;
    flow.eval();
  }

  /**
   * A fitted conditional model {@code p(x | c)}: the columns are the data {@code x}, and {@code
   * context} turns the raw context columns into the flow's context features.
   *
   * @param flow the conditional flow; put in evaluation mode
   * @param columns the names of the data columns
   * @param context the encoding of the raw context columns
   * @param trainingConfig how the flow was trained, or {@code null}
   * @param trainingResult what training did, or {@code null}
   * @param metadata free-form strings stored with the model
   * @throws io.flows4j.tensor.ShapeMismatchException if the flow does not take {@code
   *     columns.size()} features or the encoding's number of context features
   */
  public FittedModel(
      ConditionalFlow flow,
      List<String> columns,
      ContextEncoding context,
      TrainingConfig trainingConfig,
      TrainingResult trainingResult,
      Map<String, String> metadata) {
    Checks.requireArgument(
        flow != null && context != null, "FittedModel: flow and context must not be null");
    this.columns = Dataset.of(columns, new float[0]).columnNames();
    Checks.requireShape(
        flow.baseEventShape().equals(Shape.of(this.columns.size())),
        "FittedModel: the conditional flow's base has event shape %s, but the data have %d"
            + " columns (%s)",
        flow.baseEventShape(),
        this.columns.size(),
        describe(this.columns));
    Checks.requireShape(
        flow.contextFeatures() == context.features(),
        "FittedModel: the flow takes %d context features, but the context %s gives %d",
        flow.contextFeatures(),
        context.describe(),
        context.features());
    for (String c : context.columnNames()) {
      Checks.requireArgument(
          !this.columns.contains(c), "FittedModel: %s is both a data and a context column", c);
    }
    this.flow = null;
    this.conditionalFlow = flow;
    this.context = context;
    this.calibration = null;
    this.trainingConfig = trainingConfig;
    this.trainingResult = trainingResult;
    this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    flow.eval();
  }

  /**
   * Fits a conditional flow to data and raw context columns by maximum likelihood. The context
   * encoding (labels in order of first appearance, numeric means and spreads) is fitted on all
   * rows, so that every label of the data is known; the data standardization, when asked, on the
   * training rows only, as in {@link #fit}.
   *
   * @param flow the conditional flow; trained in place, its context size must be the encoding's
   * @param data the data columns
   * @param rawContext the raw context values by column name, one per row of {@code data}
   * @param categorical context columns to treat as categorical even if their values are numbers
   * @param standardize whether to standardize the data columns first
   * @param config the training configuration
   * @param listener progress, or {@code null}
   * @throws io.flows4j.tensor.ShapeMismatchException if the data or context do not fit the flow
   */
  public static FittedModel fitConditional(
      ConditionalFlow flow,
      Dataset data,
      Map<String, String[]> rawContext,
      java.util.Set<String> categorical,
      boolean standardize,
      TrainingConfig config,
      TrainingListener listener) {
    ContextEncoding enc = ContextEncoding.fit(rawContext, categorical);
    return fitConditional(flow, data, rawContext, enc, standardize, config, listener);
  }

  /**
   * As {@link #fitConditional(ConditionalFlow, Dataset, Map, java.util.Set, boolean,
   * TrainingConfig, TrainingListener)} with a given context encoding.
   */
  public static FittedModel fitConditional(
      ConditionalFlow flow,
      Dataset data,
      Map<String, String[]> rawContext,
      ContextEncoding encoding,
      boolean standardize,
      TrainingConfig config,
      TrainingListener listener) {
    Checks.requireShape(
        flow.contextFeatures() == encoding.features(),
        "FittedModel.fitConditional: the flow takes %d context features, but the context %s gives"
            + " %d",
        flow.contextFeatures(),
        encoding.describe(),
        encoding.features());
    Dataset joined = withContext(data, encoding.encode(rawContext), encoding);
    Dataset.Split split = Trainer.split(joined, config);
    ConditionalFlow trained = flow;
    if (standardize) {
      Dataset train = split.train().select(data.columnNames());
      trained = flow.prepend(Standardization.of(Standardizer.fit(train)));
    }
    TrainingResult r =
        Trainer.train(
            io.flows4j.training.BatchDensity.of(trained, data.columns()),
            split.train(),
            split.validation(),
            config,
            listener);
    return new FittedModel(trained, data.columnNames(), encoding, config, r, Map.of());
  }

  /** The data columns followed by the context features (named by the encoding). */
  private static Dataset withContext(Dataset data, float[][] features, ContextEncoding enc) {
    Checks.requireShape(
        features.length == data.rows(),
        "context: %d context rows were given for %d data rows",
        features.length,
        data.rows());
    int d = data.columns();
    int c = enc.features();
    float[] values = new float[data.rows() * (d + c)];
    for (int i = 0; i < data.rows(); i++) {
      for (int j = 0; j < d; j++) {
        values[i * (d + c) + j] = data.get(i, j);
      }
      System.arraycopy(features[i], 0, values, i * (d + c) + d, c);
    }
    List<String> names = new ArrayList<>(data.columnNames());
    for (String f : enc.featureNames()) {
      names.add(names.contains(f) ? "context:" + f : f);
    }
    return Dataset.of(names, values);
  }

  /** Whether the model is conditional, {@code p(x | c)}. */
  public boolean isConditional() {
    return conditionalFlow != null;
  }

  /** The conditional flow of a conditional model. */
  public Optional<ConditionalFlow> conditionalFlow() {
    return Optional.ofNullable(conditionalFlow);
  }

  /** The context encoding of a conditional model. */
  public Optional<ContextEncoding> contextEncoding() {
    return Optional.ofNullable(context);
  }

  /** The trained module, the flow or the conditional flow (its state is the model's weights). */
  public io.flows4j.nn.Module module() {
    return flow != null ? flow : conditionalFlow;
  }

  private void requireUnconditional(String op) {
    if (conditionalFlow != null) {
      throw new IllegalArgumentException(
          op
              + ": the model is conditional on "
              + context.describe()
              + "; give a context (the methods that take one)");
    }
  }

  private ConditionalFlow requireConditional(String op) {
    Checks.requireArgument(
        conditionalFlow != null, "%s: the model is not conditional; it takes no context", op);
    return conditionalFlow;
  }

  /**
   * The log-density {@code log p(x | c)} of each row of {@code data} at its context.
   *
   * @param data the data columns (picked by name as in the class comment)
   * @param rawContext the raw context values by column name, one per row
   * @throws IllegalArgumentException if the model is not conditional, or a context column is
   *     missing or holds an unknown label
   * @throws io.flows4j.tensor.ShapeMismatchException if the data columns do not match
   */
  public float[] logProb(Dataset data, Map<String, String[]> rawContext) {
    ConditionalFlow f = requireConditional("FittedModel.logProb");
    Dataset d = align(data, columns, "FittedModel.logProb");
    Tensor c = contextTensor(rawContext, d.rows());
    float[] out = new float[d.rows()];
    forChunks(
        d,
        (from, x) -> {
          Tensor lp = f.logProb(x, c.rows(from, from + x.dim(0)));
          System.arraycopy(lp.data(), lp.offset(), out, from, lp.size());
        });
    return out;
  }

  /**
   * As {@link #evaluate(Dataset)} for a conditional model, the context read from {@code
   * rawContext}.
   */
  public Evaluation evaluate(Dataset data, Map<String, String[]> rawContext) {
    Checks.requireArgument(data.rows() > 0, "FittedModel.evaluate: the data must have rows");
    return evaluation(logProb(data, rawContext));
  }

  /** As {@link #encode(Dataset)} for a conditional model, at each row's context. */
  public Dataset encode(Dataset data, Map<String, String[]> rawContext) {
    ConditionalFlow f = requireConditional("FittedModel.encode");
    Dataset d = align(data, columns, "FittedModel.encode");
    Tensor c = contextTensor(rawContext, d.rows());
    float[] out = new float[d.rows() * dimension()];
    forChunks(
        d,
        (from, x) -> {
          Tensor z = f.encode(x, c.rows(from, from + x.dim(0)));
          System.arraycopy(z.data(), z.offset(), out, from * dimension(), z.size());
        });
    return finite("FittedModel.encode", out, latentNames(), "encoding");
  }

  /** As {@link #decode(Dataset)} for a conditional model, at each row's context. */
  public Dataset decode(Dataset latent, Map<String, String[]> rawContext) {
    ConditionalFlow f = requireConditional("FittedModel.decode");
    Checks.requireShape(
        latent.columns() == dimension(),
        "FittedModel.decode: the latent data must have %d columns, but has %d",
        dimension(),
        latent.columns());
    Tensor c = contextTensor(rawContext, latent.rows());
    float[] out = new float[latent.rows() * dimension()];
    forChunks(
        latent,
        (from, z) -> {
          Tensor x = f.decode(z, c.rows(from, from + z.dim(0)));
          System.arraycopy(x.data(), x.offset(), out, from * dimension(), x.size());
        });
    return finite("FittedModel.decode", out, columns, "decoding");
  }

  /**
   * Draws {@code perContext} samples at each of the given contexts (context row {@code k}'s samples
   * are rows {@code k perContext .. (k+1) perContext - 1}), in data units, with the model's
   * log-density {@code log p(x | c)} of each.
   *
   * @param rawContext the raw context values by column name, {@code K} rows
   * @throws IllegalArgumentException if the model is not conditional, a context is invalid, {@code
   *     perContext < 0} or the temperature is not {@code > 0}
   */
  public Samples sample(
      Map<String, String[]> rawContext, int perContext, long seed, double temperature) {
    String op = "FittedModel.sample";
    ConditionalFlow f = requireConditional(op);
    Checks.requireArgument(perContext >= 0, "%s: n must be >= 0, but was %d", op, perContext);
    Checks.requireArgument(
        temperature > 0 && Double.isFinite(temperature),
        "%s: temperature must be finite and > 0, but was %s",
        op,
        temperature);
    float[][] enc = context.encode(rawContext);
    int d = dimension();
    int k = enc.length;
    float[] out = new float[Math.multiplyExact(Math.multiplyExact(k, perContext), d)];
    float[] lps = new float[k * perContext];
    Rng rng = new Rng(seed);
    for (int r = 0; r < k; r++) {
      Tensor c = Tensor.zeros(1, enc[r].length);
      for (int j = 0; j < enc[r].length; j++) {
        c.set(enc[r][j], 0, j);
      }
      for (int from = 0; from < perContext; from += CHUNK_ROWS) {
        int m = Math.min(CHUNK_ROWS, perContext - from);
        Tensor x = f.sample(m, c, temperature, rng);
        Tensor lp = f.logProb(x, c);
        int at = r * perContext + from;
        System.arraycopy(x.data(), x.offset(), out, at * d, m * d);
        System.arraycopy(lp.data(), lp.offset(), lps, at, m);
      }
    }
    String hint = String.format(Locale.ROOT, "sampling at temperature %s", temperature);
    return new Samples(finite(op, out, columns, hint), lps);
  }

  /** The encoded context of {@code rows} rows; one given row is used for every row. */
  private Tensor contextTensor(Map<String, String[]> rawContext, int rows) {
    float[][] enc = context.encode(rawContext);
    Checks.requireShape(
        enc.length == rows || enc.length == 1,
        "context: %d context rows were given for %d data rows",
        enc.length,
        rows);
    int c = context.features();
    Tensor t = Tensor.zeros(Math.max(rows, 1), c);
    for (int i = 0; i < rows; i++) {
      float[] e = enc[enc.length == 1 ? 0 : i];
      for (int j = 0; j < c; j++) {
        t.set(e[j], i, j);
      }
    }
    return t;
  }

  /** A copy of a (checked) model with other metadata and calibration. */
  private FittedModel(FittedModel m, Map<String, String> metadata, Calibration calibration) {
    this.flow = m.flow;
    this.conditionalFlow = m.conditionalFlow;
    this.context = m.context;
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

  /**
   * The flow, over the data in its own units.
   *
   * @throws IllegalArgumentException if the model is conditional (see {@link #conditionalFlow()})
   */
  public Flow flow() {
    requireUnconditional("FittedModel.flow");
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
    Bijector transform = flow != null ? flow.transform() : conditionalFlow.transform();
    if (transform instanceof Chain c && c.layers().get(0) instanceof Standardization s) {
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
    return module().parameterCount();
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
    requireUnconditional("FittedModel.logProb");
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
    requireUnconditional("FittedModel.logProb");
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
    return evaluation(logProb(data));
  }

  private Evaluation evaluation(float[] lp) {
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
    requireUnconditional("FittedModel.encode");
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
    requireUnconditional("FittedModel.encode");
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
    requireUnconditional("FittedModel.decode");
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
    requireUnconditional("FittedModel.decode");
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
    requireUnconditional(op);
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
