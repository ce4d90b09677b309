package io.flows4j.speech.model;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Transformed;
import io.flows4j.io.FileFormatException;
import io.flows4j.io.Json;
import io.flows4j.io.SafeTensors;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Glow-TTS (Kim et al. 2020, "Glow-TTS: A Generative Flow for Text-to-Speech via Monotonic
 * Alignment Search"): a text-conditioned Gaussian prior over latent frames and an invertible flow
 * decoder {@code f} from log-mel frames {@code y} to latent frames {@code z = f(y)}.
 *
 * <p><b>Training</b> ({@link #loss}): the text encoder (convolutions or relative-position
 * self-attention, see {@link GlowTtsConfig#encoderKind()}) gives each token {@code i} a mean {@code
 * mu_i} (unit variance); monotonic alignment search picks the alignment {@code a} of frames to
 * tokens that maximises {@code log N(z; mu_a, I)}; the loss per mel dimension is
 *
 * <pre>
 * nll      = 0.5 log(2 pi) + (0.5 sum_{b,t,c} (z - mu_a)^2 - sum_b log|det df/dy|) / (80 sum_b T_b)
 * duration = sum_{b,i} (log w_hat[b, i] - log d[b, i])^2 / sum_b N_b
 * total    = nll + duration
 * </pre>
 *
 * with {@code d} the frames MAS gives each token and {@code log w_hat} the duration predictor's
 * output on the encoder's hidden states with the gradient stopped.
 *
 * <p><b>Synthesis</b> ({@link #synthesize}): durations {@code ceil(exp(log w_hat) lengthScale)},
 * {@code z = mu_a + noiseScale eps}, {@code y = f^-1(z)}.
 *
 * <p>The model is a {@link Module}: its parameters go to an optimizer, and {@link #save}/{@link
 * #load} keep them with the configuration in a safetensors file.
 */
public final class GlowTts extends Module {
  /** The metadata key holding the configuration JSON in a saved model. */
  public static final String KEY_CONFIG = "flows4j.speech.glow_tts";

  private final GlowTtsConfig config;
  private final TextEncoder encoder;
  private final DurationPredictor durations;
  private final FlowDecoder decoder;

  /**
   * The loss of one batch and its terms, all of shape {@code [1]}, on the current tape.
   *
   * @param total {@code nll + duration}, the value to minimise
   * @param nll negative log-likelihood per mel dimension (nats)
   * @param duration mean squared error of the log-durations
   * @param alignment per item, the token of each valid frame (from MAS)
   */
  @SuppressWarnings("ArrayRecordComponent") // results handed over, not shared
  public record Loss(Var total, Var nll, Var duration, int[][] alignment) {}

  /**
   * Creates a model with fresh weights.
   *
   * @param config the sizes
   * @param seed seed of every weight and dropout mask
   */
  public GlowTts(GlowTtsConfig config, long seed) {
    this.config = config;
    this.encoder = registerEncoder(config, seed);
    this.durations =
        registerModule(
            "duration",
            new DurationPredictor(
                config.hidden(),
                config.durationChannels(),
                config.durationKernel(),
                config.durationDropout(),
                seed + 1_000_003L));
    this.decoder =
        registerModule(
            "decoder",
            new FlowDecoder(
                config.melChannels(),
                config.flowBlocks(),
                config.couplingChannels(),
                config.couplingKernel(),
                config.couplingDilationRate(),
                config.couplingLayers(),
                config.couplingDropout(),
                seed + 2_000_003L));
  }

  /** Creates and registers the text encoder of the configured kind. */
  private TextEncoder registerEncoder(GlowTtsConfig config, long seed) {
    return switch (config.encoderKind()) {
      case CONV ->
          registerModule(
              "encoder",
              new ConvTextEncoder(
                  config.symbols(),
                  config.hidden(),
                  config.encoderLayers(),
                  config.encoderKernel(),
                  config.encoderDropout(),
                  config.melChannels(),
                  seed));
      case ATTENTION ->
          registerModule(
              "encoder",
              new AttentionTextEncoder(
                  config.symbols(),
                  config.hidden(),
                  config.encoderLayers(),
                  config.encoderHeads(),
                  config.encoderWindow(),
                  config.encoderFilterChannels(),
                  config.encoderFilterKernel(),
                  config.encoderDropout(),
                  config.melChannels(),
                  seed));
    };
  }

  /** The sizes. */
  public GlowTtsConfig config() {
    return config;
  }

  /**
   * The loss of a batch, recorded on the current tape (call {@code tape.backward(loss.total())}).
   * In training mode the first call initialises the decoder's ActNorm layers from this batch, and
   * dropout is active.
   *
   * @throws io.flows4j.tensor.ShapeMismatchException if the mels do not have {@code melChannels}
   *     channels
   * @throws IllegalArgumentException if a token id is outside {@code [0, symbols)}
   */
  @SuppressWarnings("try") // the no-grad scope is entered for its effect on the ops inside
  public Loss loss(SpeechBatch batch) {
    Checks.requireShape(
        batch.mels().dim(1) == config.melChannels(),
        "GlowTts.loss: mels must have %d channels, but have shape %s",
        config.melChannels(),
        batch.mels().shape());
    int[] tokenLengths = batch.tokenLengths();
    int maxTokens = batch.maxTokens();
    Tensor textMask = Masks.fromLengths(tokenLengths, maxTokens);
    Tensor melMask = Masks.fromLengths(batch.frameLengths(), batch.mels().dim(2));
    Tape tape = Tape.current();
    Var y = tape == null ? Var.constant(batch.mels()) : tape.input(batch.mels());

    TextEncoder.Output enc = encoder.forward(batch.tokens(), maxTokens, textMask);
    Transformed flow = decoder.forward(y, melMask);
    Var z = flow.value();
    int[][] alignment;
    try (Tape unused = Tape.noGrad()) {
      Tensor ll = MonotonicAlignment.logLikelihood(enc.mean().value(), z.value());
      alignment = MonotonicAlignment.searchBatch(ll, tokenLengths, batch.frameLengths());
    }
    long frames = 0;
    for (int n : batch.frameLengths()) {
      frames += n;
    }
    double elements = (double) frames * config.melChannels();
    Var sq = SpeechOps.alignedSquaredError(z, enc.mean(), alignment);
    Var nll =
        ArithmeticOps.addScalar(
            ArithmeticOps.scale(
                ArithmeticOps.sub(sq, Reductions.sum(flow.logAbsDet())), (float) (1 / elements)),
            (float) (0.5 * Math.log(2 * Math.PI)));

    double[][] target = new double[batch.size()][];
    long tokens = 0;
    for (int b = 0; b < batch.size(); b++) {
      int[] d = MonotonicAlignment.durations(alignment[b], tokenLengths[b]);
      target[b] = new double[d.length];
      for (int i = 0; i < d.length; i++) {
        target[b][i] = Math.log(d[i]);
      }
      tokens += tokenLengths[b];
    }
    Var logw = durations.forward(Var.constant(enc.hidden().value()), textMask);
    Var dur =
        ArithmeticOps.scale(SpeechOps.durationSquaredError(logw, target), (float) (1.0 / tokens));
    return new Loss(ArithmeticOps.add(nll, dur), nll, dur, alignment);
  }

  /**
   * The monotonic alignment of every item of a batch under the current model (no gradients, no
   * dropout, no initialisation).
   *
   * @return per item, the token of each valid frame
   */
  @SuppressWarnings("try") // the no-grad scope is entered for its effect on the ops inside
  public int[][] align(SpeechBatch batch) {
    boolean training = isTraining();
    eval();
    try (Tape unused = Tape.noGrad()) {
      int[] tokenLengths = batch.tokenLengths();
      int maxTokens = batch.maxTokens();
      TextEncoder.Output enc =
          encoder.forward(batch.tokens(), maxTokens, Masks.fromLengths(tokenLengths, maxTokens));
      Tensor melMask = Masks.fromLengths(batch.frameLengths(), batch.mels().dim(2));
      Var z = decoder.forward(Var.constant(batch.mels()), melMask).value();
      Tensor ll = MonotonicAlignment.logLikelihood(enc.mean().value(), z.value());
      return MonotonicAlignment.searchBatch(ll, tokenLengths, batch.frameLengths());
    } finally {
      if (training) {
        train();
      }
    }
  }

  /**
   * Predicted frames per token: {@code max(1, ceil(exp(log w_hat) lengthScale))}.
   *
   * @param tokens symbol ids, at least one
   * @param lengthScale positive factor on every duration (above 1: slower speech)
   * @throws IllegalArgumentException if the tokens are empty or invalid, or {@code lengthScale <=
   *     0}
   */
  @SuppressWarnings("try") // the no-grad scope is entered for its effect on the ops inside
  public int[] durations(int[] tokens, double lengthScale) {
    Checks.requireArgument(tokens.length > 0, "GlowTts.durations: tokens must not be empty");
    Checks.requireArgument(
        lengthScale > 0 && Double.isFinite(lengthScale),
        "GlowTts.durations: lengthScale must be positive and finite, but was %s",
        lengthScale);
    boolean training = isTraining();
    eval();
    try (Tape unused = Tape.noGrad()) {
      Tensor mask = Masks.fromLengths(new int[] {tokens.length}, tokens.length);
      TextEncoder.Output enc = encoder.forward(new int[][] {tokens}, tokens.length, mask);
      Tensor logw = durations.forward(enc.hidden(), mask).value();
      int[] w = new int[tokens.length];
      for (int i = 0; i < w.length; i++) {
        w[i] = (int) Math.max(1, Math.ceil(Math.exp(logw.getFlat(i)) * lengthScale));
      }
      return w;
    } finally {
      if (training) {
        train();
      }
    }
  }

  /**
   * Synthesizes a log-mel spectrogram: predicted durations (see {@link #durations}), latent frames
   * {@code z = mu_a + noiseScale eps} with {@code eps ~ N(0, I)} from {@code seed}, and {@code y =
   * f^-1(z)}. Runs without gradients or dropout.
   *
   * @param tokens symbol ids, at least one
   * @param noiseScale standard deviation of the latent noise, at least 0 (the kit used 0.333)
   * @param lengthScale positive factor on every duration
   * @param seed seed of the noise
   * @return the log-mel of shape {@code [melChannels, sum of durations]}
   * @throws IllegalArgumentException if the tokens are empty or invalid or a scale is out of range
   */
  @SuppressWarnings("try") // the no-grad scope is entered for its effect on the ops inside
  public Tensor synthesize(int[] tokens, double noiseScale, double lengthScale, long seed) {
    Checks.requireArgument(
        noiseScale >= 0 && Double.isFinite(noiseScale),
        "GlowTts.synthesize: noiseScale must be >= 0 and finite, but was %s",
        noiseScale);
    int[] w = durations(tokens, lengthScale);
    int total = 0;
    for (int d : w) {
      total += d;
    }
    // The decoder works on pairs of frames: an odd total gets one more frame of the last token,
    // trimmed again after decoding.
    int frames = total + (total % 2);
    int ch = config.melChannels();
    boolean training = isTraining();
    eval();
    try (Tape unused = Tape.noGrad()) {
      Tensor mask = Masks.fromLengths(new int[] {tokens.length}, tokens.length);
      Tensor mu = encoder.forward(new int[][] {tokens}, tokens.length, mask).mean().value();
      Tensor z = Tensor.zeros(Shape.of(1, ch, frames));
      Rng rng = new Rng(seed);
      int t = 0;
      for (int i = 0; i < w.length; i++) {
        int n = w[i] + (i == w.length - 1 ? frames - total : 0);
        for (int k = 0; k < n; k++, t++) {
          for (int c = 0; c < ch; c++) {
            z.setFlat(c * frames + t, mu.getFlat(c * tokens.length + i));
          }
        }
      }
      for (int i = 0; i < z.size(); i++) {
        z.setFlat(i, (float) (z.getFlat(i) + noiseScale * rng.nextGaussian()));
      }
      Tensor y = decoder.inverse(Var.constant(z), null).value().value();
      Tensor out = Tensor.zeros(ch, total);
      for (int c = 0; c < ch; c++) {
        System.arraycopy(y.data(), y.offset() + c * frames, out.data(), c * total, total);
      }
      return out;
    } finally {
      if (training) {
        train();
      }
    }
  }

  /**
   * Restarts every dropout stream of the model from {@code seed} (each module's stream from {@code
   * seed} mixed with its path in the module tree). A trainer that calls this before every step with
   * a seed derived from the step number makes each step's dropout masks independent of the steps
   * before it, so that a run resumed from a checkpoint continues exactly as the uninterrupted run.
   */
  public void reseedDropout(long seed) {
    reseed(this, "", seed);
  }

  private static void reseed(Module m, String path, long seed) {
    if (m instanceof DropoutSource d) {
      // The path's hash is spread over the long so that neighbouring paths get distant seeds.
      d.reseedDropout(seed ^ (path.hashCode() * 0x9E3779B97F4A7C15L));
    }
    for (Map.Entry<String, Module> e : m.children().entrySet()) {
      reseed(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), seed);
    }
  }

  /** The flow decoder as a bijector on {@code [batch, melChannels, even frames]}. */
  SequenceBijector decoder() {
    return decoder;
  }

  /**
   * Saves the configuration and the weights (with the ActNorm initialisation flags) to a
   * safetensors file, atomically.
   *
   * @throws IOException if writing fails (an existing file is then left unchanged)
   */
  public void save(Path file) throws IOException {
    saveState(file, Map.of(KEY_CONFIG, config.toJson().write()));
  }

  /**
   * Loads a model written by {@link #save}.
   *
   * @throws FileFormatException if the file is not a saved Glow-TTS model or is corrupted
   * @throws IOException if reading fails
   */
  public static GlowTts load(Path file) throws IOException {
    SafeTensors.Contents c = SafeTensors.read(file);
    String cfg = c.metadata().get(KEY_CONFIG);
    if (cfg == null) {
      throw new FileFormatException(
          "GlowTts.load: " + file + " is not a Glow-TTS model (no " + KEY_CONFIG + " metadata)");
    }
    GlowTtsConfig config;
    try {
      config = GlowTtsConfig.fromJson((Json.Obj) Json.parse(cfg));
    } catch (RuntimeException e) {
      throw new FileFormatException(
          "GlowTts.load: the configuration in " + file + " is invalid: " + e.getMessage());
    }
    GlowTts model = new GlowTts(config, 0L);
    model.loadStateDict(c.tensors());
    return model;
  }
}
