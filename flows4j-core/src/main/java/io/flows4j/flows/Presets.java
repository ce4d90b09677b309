package io.flows4j.flows;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.Bijectors;
import io.flows4j.bijectors.Chain;
import io.flows4j.bijectors.autoregressive.MaskedAffineAutoregressive;
import io.flows4j.bijectors.coupling.AdditiveCoupling;
import io.flows4j.bijectors.coupling.AffineCoupling;
import io.flows4j.bijectors.coupling.CouplingMask;
import io.flows4j.bijectors.coupling.SplineCoupling;
import io.flows4j.bijectors.lowrank.Orientation;
import io.flows4j.bijectors.lowrank.Planar;
import io.flows4j.bijectors.lowrank.Radial;
import io.flows4j.bijectors.lowrank.Sylvester;
import io.flows4j.bijectors.residual.InvertibleResidualBlock;
import io.flows4j.bijectors.spline.RationalQuadraticSpline;
import io.flows4j.bijectors.spline.SplineAutoregressive;
import io.flows4j.distributions.ConditionalDiagonalGaussian;
import io.flows4j.distributions.StandardNormal;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.kernels.Activation;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Ready-made flow architectures, as the command line's {@code --flow NAME --layers K --hidden H,H}
 * builds them and as BENCHMARKS.md defines them (workloads W1 and W3). Every preset is a {@link
 * Chain} of {@code K} layers over {@code D} features with a standard normal base; layer {@code i}
 * gets the seed {@code seed + i}.
 *
 * <ul>
 *   <li>{@code realnvp}: affine couplings (Dinh et al. 2017), halves alternating: in even layers
 *       the first half conditions the second, in odd layers the reverse. Conditioner {@code D_cond
 *       -> H -> H -> 2 D_trans}, ReLU. W1: {@code --layers 8 --hidden 64,64} on 2-D data has 35,344
 *       parameters.
 *   <li>{@code nice}: additive couplings (Dinh et al. 2014), same masks, conditioner {@code ->
 *       D_trans}.
 *   <li>{@code maf}: masked affine autoregressive layers (Papamakarios et al. 2017), MADE with
 *       hidden sizes {@code H}, natural order in even layers and reversed order in odd layers. W1:
 *       {@code --layers 5 --hidden 64,64} on 2-D data has 23,060 parameters.
 *   <li>{@code nsf}: rational-quadratic spline couplings (Durkan et al. 2019), 8 bins, tail bound
 *       3, linear tails, same masks as {@code realnvp}. W1: {@code --layers 8 --hidden 64,64} on
 *       2-D data has 46,264 parameters.
 *   <li>{@code nsf-ar}: autoregressive rational-quadratic spline layers, MADE with hidden sizes
 *       {@code H}, order reversed between layers (the W3 NSF: {@code --layers 4 --hidden 256,256}).
 *   <li>{@code planar}, {@code radial}: planar (tanh) and radial layers (Rezende and Mohamed 2015),
 *       closed form in the density direction ({@code forward}); {@code H} is ignored (they have no
 *       network). {@link #variationalTransform} gives the sampling-direction orientation.
 *   <li>{@code sylvester}: Sylvester layers (van den Berg et al. 2018) with a Householder frame of
 *       {@code D} reflections and rank {@code M = min(H_1, D)}, or {@code M = D} when {@code H} is
 *       empty; closed form in the density direction.
 *   <li>{@code residual}: invertible residual blocks {@code x + g(x)} (Behrmann et al. 2019, Chen
 *       et al. 2019), {@code g = D -> H -> H -> D} with LipSwish and spectral normalisation,
 *       coefficient 0.97; exact log-determinant for {@code D <= 16} (training and evaluation), the
 *       Russian-roulette estimator in training above. W1: {@code --layers 8 --hidden 64,64} on 2-D
 *       data has 35,880 parameters (the peer's 35,896 also count two untrained estimator settings
 *       per block).
 * </ul>
 */
public final class Presets {
  /** The preset names, in the order the command line lists them. */
  public static final List<String> NAMES =
      List.of(
          "realnvp", "maf", "nsf", "nsf-ar", "nice", "planar", "radial", "sylvester", "residual");

  private Presets() {}

  /**
   * Builds the bijector (data to latent) of a preset.
   *
   * @param name one of {@link #NAMES} (case-insensitive)
   * @param features number of data features {@code D}, at least 1 ({@code realnvp}, {@code nice}
   *     and {@code nsf} need at least 2, since a coupling splits the features)
   * @param layers number of layers {@code K}, at least 1
   * @param hidden hidden layer widths of each conditioner, each at least 1
   * @param seed seed of the initial weights
   * @throws IllegalArgumentException if the name is unknown or a size is out of range
   */
  public static Chain transform(String name, int features, int layers, int[] hidden, long seed) {
    return build(name, features, layers, hidden, seed, Orientation.DENSITY);
  }

  /**
   * The bijector for variational inference: for {@code planar}, {@code radial}, {@code sylvester}
   * and {@code residual}, the orientation whose closed form is the sampling direction ({@code
   * inverse}, latent to data), so that {@link Flow#sampleWithLogProb} costs one pass of closed
   * forms; for the other presets the same as {@link #transform}.
   *
   * @throws IllegalArgumentException as {@link #transform}
   */
  public static Chain variationalTransform(
      String name, int features, int layers, int[] hidden, long seed) {
    return build(name, features, layers, hidden, seed, Orientation.SAMPLING);
  }

  private static Chain build(
      String name, int features, int layers, int[] hidden, long seed, Orientation orientation) {
    String key = name == null ? "" : name.toLowerCase(Locale.ROOT);
    Checks.requireArgument(
        NAMES.contains(key), "flow: must be one of %s, but was '%s'", NAMES, name);
    Checks.requireArgument(
        features >= 1, "flow %s: features must be >= 1, but was %d", key, features);
    Checks.requireArgument(layers >= 1, "flow %s: layers must be >= 1, but was %d", key, layers);
    for (int h : hidden) {
      Checks.requireArgument(h >= 1, "flow %s: hidden sizes must be >= 1, but was %d", key, h);
    }
    boolean coupling = key.equals("realnvp") || key.equals("nice") || key.equals("nsf");
    Checks.requireArgument(
        !coupling || features >= 2,
        "flow %s: a coupling flow needs at least 2 features, but the data have %d; use maf or"
            + " nsf-ar",
        key,
        features);
    List<Bijector> out = new ArrayList<>(layers);
    for (int i = 0; i < layers; i++) {
      long s = seed + i;
      out.add(
          switch (key) {
            case "realnvp" ->
                new AffineCoupling(CouplingMask.alternatingHalves(features, i), hidden, s);
            case "nice" ->
                new AdditiveCoupling(CouplingMask.alternatingHalves(features, i), hidden, s);
            case "nsf" ->
                new SplineCoupling(CouplingMask.alternatingHalves(features, i), hidden, s);
            case "maf" -> maf(features, i, hidden, s);
            case "nsf-ar" -> new SplineAutoregressive(features, degrees(features, i), hidden, s);
            case "planar" -> Planar.builder(features).orientation(orientation).seed(s).build();
            case "radial" -> new Radial(features, orientation, s);
            case "sylvester" ->
                Sylvester.builder(features)
                    .rank(hidden.length == 0 ? features : Math.min(hidden[0], features))
                    .orientation(orientation)
                    .seed(s)
                    .build();
            case "residual" -> residual(features, hidden, s, orientation);
            default -> throw new IllegalStateException(key);
          });
    }
    return Bijectors.chain(out);
  }

  /**
   * A residual block {@code x + g(x)}; in the sampling orientation seen the other way round, so
   * that sampling ({@code inverse}) is the closed form {@code z + g(z)} and density evaluation the
   * fixed-point iteration.
   */
  private static Bijector residual(int features, int[] hidden, long seed, Orientation orientation) {
    InvertibleResidualBlock b =
        InvertibleResidualBlock.builder(features).hidden(hidden).seed(seed).build();
    return orientation == Orientation.SAMPLING ? b.inverted() : b;
  }

  /** A whole flow: the preset's transform and a standard normal base over {@code D} features. */
  public static Flow flow(String name, int features, int layers, int[] hidden, long seed) {
    return new Flow(transform(name, features, layers, hidden, seed), new StandardNormal(features));
  }

  private static MaskedAffineAutoregressive maf(int features, int layer, int[] hidden, long seed) {
    MaskedAffineAutoregressive.Builder b =
        MaskedAffineAutoregressive.builder(features).hidden(hidden).seed(seed);
    return (layer % 2 == 0 ? b.naturalOrder() : b.reversedOrder()).build();
  }

  /** MADE input degrees: natural order {@code 1..D} in even layers, reversed in odd layers. */
  private static int[] degrees(int features, int layer) {
    int[] d = new int[features];
    for (int j = 0; j < features; j++) {
      d[j] = layer % 2 == 0 ? j + 1 : features - j;
    }
    return d;
  }

  /** The presets that have a conditional version, in the order the command line lists them. */
  public static final List<String> CONDITIONAL_NAMES =
      List.of("realnvp", "maf", "nsf", "nsf-ar", "nice", "residual");

  /**
   * A conditional flow {@code p(x | c)}: the preset's layers, each conditioned on the context
   * through its conditioner's first layer (couplings, MADEs) or the residual network's first layer,
   * and a {@link ConditionalDiagonalGaussian} base whose network has the same hidden widths (seed
   * {@code seed + layers}). Layer {@code i} gets the seed {@code seed + i}, as in {@link #flow}.
   *
   * @param name one of {@link #CONDITIONAL_NAMES} (case-insensitive)
   * @param features number of data features {@code D}
   * @param contextFeatures number of context features {@code C}, at least 1
   * @param layers number of layers {@code K}
   * @param hidden hidden layer widths of each conditioner
   * @param seed seed of the initial weights
   * @throws IllegalArgumentException if the name has no conditional version or a size is out of
   *     range
   */
  public static ConditionalFlow conditionalFlow(
      String name, int features, int contextFeatures, int layers, int[] hidden, long seed) {
    String key = name == null ? "" : name.toLowerCase(Locale.ROOT);
    Checks.requireArgument(
        CONDITIONAL_NAMES.contains(key),
        "conditional flow: must be one of %s, but was '%s'",
        CONDITIONAL_NAMES,
        name);
    Checks.requireArgument(
        contextFeatures >= 1,
        "conditional flow %s: context features must be >= 1, but was %d",
        key,
        contextFeatures);
    // The unconditional preset checks every other size with its usual messages.
    build(key, features, layers, hidden, seed, Orientation.DENSITY);
    int c = contextFeatures;
    Activation relu = Activation.RELU;
    List<Bijector> out = new ArrayList<>(layers);
    for (int i = 0; i < layers; i++) {
      long s = seed + i;
      CouplingMask mask = features >= 2 ? CouplingMask.alternatingHalves(features, i) : null;
      out.add(
          switch (key) {
            case "realnvp" ->
                new AffineCoupling(mask, hidden, relu, AffineCoupling.DEFAULT_SCALE_BOUND, s, c);
            case "nice" -> new AdditiveCoupling(mask, hidden, relu, s, c);
            case "nsf" ->
                new SplineCoupling(
                    mask,
                    hidden,
                    relu,
                    new RationalQuadraticSpline(
                        RationalQuadraticSpline.DEFAULT_BINS,
                        RationalQuadraticSpline.DEFAULT_TAIL_BOUND),
                    s,
                    c);
            case "maf" -> {
              MaskedAffineAutoregressive.Builder b =
                  MaskedAffineAutoregressive.builder(features).hidden(hidden).seed(s).context(c);
              yield (i % 2 == 0 ? b.naturalOrder() : b.reversedOrder()).build();
            }
            case "nsf-ar" ->
                new SplineAutoregressive(
                    features,
                    degrees(features, i),
                    hidden,
                    relu,
                    new RationalQuadraticSpline(
                        RationalQuadraticSpline.DEFAULT_BINS,
                        RationalQuadraticSpline.DEFAULT_TAIL_BOUND),
                    s,
                    c);
            case "residual" ->
                InvertibleResidualBlock.builder(features).hidden(hidden).seed(s).context(c).build();
            default -> throw new IllegalStateException(key);
          });
    }
    return new ConditionalFlow(
        Bijectors.chain(out), new ConditionalDiagonalGaussian(features, c, hidden, seed + layers));
  }
}
