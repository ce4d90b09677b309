package io.flows4j.nn;

import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A masked autoencoder for distribution estimation (Germain et al. 2015, MADE: Masked Autoencoder
 * for Distribution Estimation): an MLP whose masks make output group {@code d} depend only on the
 * inputs that come before feature {@code d} in an autoregressive order, the conditioner of MAF and
 * of autoregressive spline flows.
 *
 * <p><b>Degrees.</b> Input {@code d} has degree {@code inputDegrees[d]}, its position (1 to {@code
 * D}) in the order. Hidden units get degrees in {@code [1, max(1, D - 1)]}, either cycling {@code
 * 1, 2, ..., D-1, 1, ...} (deterministic) or drawn uniformly from {@code [min of the previous
 * layer, D - 1]} with a seed, as in the paper. A hidden unit of degree {@code m} sees inputs and
 * units of degree {@code <= m}; output group {@code d} sees units of degree {@code <
 * inputDegrees[d]}. So output group {@code d} depends only on the inputs of smaller degree, and the
 * feature of degree 1 on no input at all.
 *
 * <p><b>Context.</b> An optional context {@code c} reaches every unit of the first layer, unmasked:
 * it counts as inputs of degree 0, and hidden degrees then start at 0 ({@code 0, 1, ..., D-1}).
 * Units of degree 0 see only the context, so every output group, the first feature's included,
 * depends on the context (as in zuko; with hidden degrees from 1, as in nflows, the first feature's
 * transform would ignore the context).
 *
 * <p><b>Outputs.</b> For {@code D} features and {@code P} parameters per feature, the output has
 * {@code D * P} columns, grouped by feature: column {@code d * P + p} is parameter {@code p} of
 * feature {@code d} (reshape to {@code [batch, D, P]}). Layers are children {@code 0, 1, ...}
 * ({@link MaskedLinear}).
 */
public final class MADE extends UnaryModule {
  /** How hidden units get their degrees. */
  public enum HiddenDegrees {
    /**
     * Cycling {@code 1, 2, ..., D-1, 1, 2, ...} (from 0 with a context): deterministic, evenly
     * spread, and every allowed dependence has a path when layers have at least {@code D - 1} units
     * ({@code D} with a context).
     */
    CYCLIC,
    /** Uniform on {@code [min of the previous layer, D-1]}, seeded, as in the MADE paper. */
    RANDOM
  }

  private final int features;
  private final int paramsPerFeature;
  private final int context;
  private final int[] inputDegrees;
  private final List<int[]> hiddenDegrees;
  private final List<MaskedLinear> layers;

  private MADE(Builder b) {
    this.features = b.features;
    this.paramsPerFeature = b.paramsPerFeature;
    this.context = b.context;
    int d = features;
    this.inputDegrees = b.inputDegrees == null ? naturalOrder(d) : b.inputDegrees.clone();
    checkPermutation(inputDegrees, d);
    SplittableRandom random = new SplittableRandom(b.seed);
    SplittableRandom degreeRandom = random.split();
    // The context acts as inputs of degree 0: units of degree 0 see only the context, and they
    // are what lets the first feature's outputs depend on it.
    int minHidden = context > 0 ? 0 : 1;
    int maxHidden = Math.max(minHidden, d - 1);
    List<int[]> hidden = new ArrayList<>();
    int prevMin = context > 0 ? 0 : min(inputDegrees);
    for (int size : b.hidden) {
      int[] deg = new int[size];
      int lo = Math.min(prevMin, maxHidden);
      for (int k = 0; k < size; k++) {
        deg[k] =
            b.hiddenDegrees == HiddenDegrees.CYCLIC
                ? minHidden + k % (maxHidden - minHidden + 1)
                : lo + degreeRandom.nextInt(maxHidden - lo + 1);
      }
      hidden.add(deg);
      prevMin = min(deg);
    }
    this.hiddenDegrees = Collections.unmodifiableList(hidden);
    List<MaskedLinear> list = new ArrayList<>();
    int[] below = inputDegrees;
    for (int l = 0; l <= hidden.size(); l++) {
      boolean last = l == hidden.size();
      Tensor mask;
      if (!last) {
        int[] deg = hidden.get(l);
        mask = Tensor.zeros(deg.length, below.length);
        for (int k = 0; k < deg.length; k++) {
          for (int j = 0; j < below.length; j++) {
            mask.set(deg[k] >= below[j] ? 1f : 0f, k, j);
          }
        }
      } else {
        mask = Tensor.zeros(d * paramsPerFeature, below.length);
        for (int o = 0; o < d * paramsPerFeature; o++) {
          int deg = inputDegrees[o / paramsPerFeature];
          for (int j = 0; j < below.length; j++) {
            mask.set(deg > below[j] ? 1f : 0f, o, j);
          }
        }
      }
      MaskedLinear layer =
          new MaskedLinear(
              mask,
              l == 0 ? context : 0,
              last ? Activation.IDENTITY : b.activation,
              random.nextLong());
      if (last && b.zeroOutput) {
        layer.zeroInit();
      }
      list.add(registerModule(Integer.toString(l), layer));
      if (!last) {
        below = hidden.get(l);
      }
    }
    this.layers = Collections.unmodifiableList(list);
  }

  /**
   * Starts building a MADE.
   *
   * @param features number of features {@code D}, at least 1
   * @param paramsPerFeature outputs per feature {@code P}, at least 1 (2 for an affine MAF)
   */
  public static Builder builder(int features, int paramsPerFeature) {
    return new Builder(features, paramsPerFeature);
  }

  /** The natural order: input {@code d} has degree {@code d + 1}. */
  public static int[] naturalOrder(int features) {
    int[] deg = new int[features];
    for (int i = 0; i < features; i++) {
      deg[i] = i + 1;
    }
    return deg;
  }

  /** The reversed order: input {@code d} has degree {@code D - d}. */
  public static int[] reversedOrder(int features) {
    int[] deg = new int[features];
    for (int i = 0; i < features; i++) {
      deg[i] = features - i;
    }
    return deg;
  }

  private static void checkPermutation(int[] deg, int d) {
    Checks.requireArgument(
        deg.length == d, "MADE: inputDegrees must have %d entries, but has %d", d, deg.length);
    boolean[] seen = new boolean[d + 1];
    for (int v : deg) {
      Checks.requireArgument(
          v >= 1 && v <= d && !seen[v],
          "MADE: inputDegrees must be a permutation of 1..%d, but was %s",
          d,
          Arrays.toString(deg));
      seen[v] = true;
    }
  }

  private static int min(int[] a) {
    int m = Integer.MAX_VALUE;
    for (int v : a) {
      m = Math.min(m, v);
    }
    return m;
  }

  /**
   * Applies the network.
   *
   * @param x of shape {@code [batch, features]}
   * @return of shape {@code [batch, features * paramsPerFeature]}, grouped by feature
   * @throws IllegalStateException if the network was built with a context input
   */
  @Override
  public Var forward(Var x) {
    Var h = layers.get(0).forward(x);
    for (int i = 1; i < layers.size(); i++) {
      h = layers.get(i).forward(h);
    }
    return h;
  }

  /**
   * Applies the network to an input and its context.
   *
   * @param x of shape {@code [batch, features]}
   * @param c of shape {@code [batch, context]}
   * @return of shape {@code [batch, features * paramsPerFeature]}, grouped by feature
   * @throws IllegalStateException if the network was built without a context input
   */
  public Var forward(Var x, Var c) {
    Var h = layers.get(0).forward(x, c);
    for (int i = 1; i < layers.size(); i++) {
      h = layers.get(i).forward(h);
    }
    return h;
  }

  /** Number of features {@code D}. */
  public int features() {
    return features;
  }

  /** Outputs per feature {@code P}. */
  public int paramsPerFeature() {
    return paramsPerFeature;
  }

  /** Context features (0 for none). */
  public int contextFeatures() {
    return context;
  }

  /** The degree (order position, 1 to D) of each input. */
  public int[] inputDegrees() {
    return inputDegrees.clone();
  }

  /** The degrees of hidden layer {@code layer}'s units. */
  public int[] hiddenDegrees(int layer) {
    return hiddenDegrees.get(layer).clone();
  }

  /** The masked layers, input side first. */
  public List<MaskedLinear> layers() {
    return layers;
  }

  /** Options of a {@link MADE}; every setter returns this builder. */
  public static final class Builder {
    private final int features;
    private final int paramsPerFeature;
    private int[] hidden = {64, 64};
    private Activation activation = Activation.RELU;
    private int context;
    private int[] inputDegrees;
    private HiddenDegrees hiddenDegrees = HiddenDegrees.CYCLIC;
    private long seed;
    private boolean zeroOutput;

    private Builder(int features, int paramsPerFeature) {
      this.features = Checks.requirePositive(features, "MADE", "features");
      this.paramsPerFeature = Checks.requirePositive(paramsPerFeature, "MADE", "paramsPerFeature");
    }

    /** Hidden layer widths (default {@code 64, 64}); none gives a single masked layer. */
    public Builder hidden(int... sizes) {
      for (int s : sizes) {
        Checks.requirePositive(s, "MADE", "hidden size");
      }
      this.hidden = sizes.clone();
      return this;
    }

    /** Activation of the hidden layers (default ReLU). */
    public Builder activation(Activation activation) {
      Checks.requireArgument(activation != null, "MADE: activation must not be null");
      this.activation = activation;
      return this;
    }

    /** Context features reaching every first-layer unit (default 0, none). */
    public Builder context(int features) {
      this.context = Checks.requireNonNegative(features, "MADE", "context");
      return this;
    }

    /**
     * The autoregressive order as input degrees, a permutation of {@code 1..D} (default natural:
     * see {@link #naturalOrder}, {@link #reversedOrder}); checked when built.
     */
    public Builder inputDegrees(int[] degrees) {
      this.inputDegrees = degrees.clone();
      return this;
    }

    /** How hidden degrees are assigned (default {@link HiddenDegrees#CYCLIC}). */
    public Builder hiddenDegrees(HiddenDegrees mode) {
      Checks.requireArgument(mode != null, "MADE: hiddenDegrees must not be null");
      this.hiddenDegrees = mode;
      return this;
    }

    /** Seed of the initial weights and of random hidden degrees (default 0). */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Whether the output layer starts at zero (a flow then starts at the identity). */
    public Builder zeroOutput(boolean zeroOutput) {
      this.zeroOutput = zeroOutput;
      return this;
    }

    /**
     * Builds the network.
     *
     * @throws IllegalArgumentException if the input degrees are not a permutation of 1..D
     */
    public MADE build() {
      return new MADE(this);
    }
  }
}
