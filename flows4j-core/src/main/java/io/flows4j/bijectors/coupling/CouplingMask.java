package io.flows4j.bijectors.coupling;

import io.flows4j.tensor.Checks;
import java.util.Arrays;

/**
 * Which features a coupling layer transforms ({@code x_b}) and which condition the transform
 * ({@code x_a}, passed through unchanged). Immutable.
 *
 * <p>{@link #alternatingHalves} is the protocol of BENCHMARKS.md: with {@code h = floor(D / 2)},
 * the "first half" is features {@code 0 .. h-1} and the "second half" features {@code h .. D-1} (so
 * for odd {@code D} the second half is the larger one); in layer {@code i} with {@code i} even the
 * first half conditions the transform of the second half, with {@code i} odd the second half
 * conditions the first. {@link #of} accepts any split with at least one feature on each side.
 */
public final class CouplingMask {
  private final boolean[] transformed;
  private final int[] conditioningFeatures;
  private final int[] transformedFeatures;

  private CouplingMask(boolean[] transformed) {
    this.transformed = transformed.clone();
    int nb = 0;
    for (boolean b : transformed) {
      nb += b ? 1 : 0;
    }
    Checks.requireArgument(
        nb >= 1 && nb < transformed.length,
        "CouplingMask: at least one feature must be transformed and one must condition, but the"
            + " mask was %s",
        Arrays.toString(transformed));
    this.transformedFeatures = new int[nb];
    this.conditioningFeatures = new int[transformed.length - nb];
    int ib = 0;
    int ia = 0;
    for (int f = 0; f < transformed.length; f++) {
      if (transformed[f]) {
        transformedFeatures[ib++] = f;
      } else {
        conditioningFeatures[ia++] = f;
      }
    }
  }

  /**
   * The mask of coupling layer {@code layerIndex} in the alternating-halves scheme: with {@code h =
   * floor(features / 2)}, an even layer transforms features {@code h .. D-1} given {@code 0 ..
   * h-1}, an odd layer transforms {@code 0 .. h-1} given {@code h .. D-1}.
   *
   * @throws IllegalArgumentException if {@code features < 2} or {@code layerIndex < 0}
   */
  public static CouplingMask alternatingHalves(int features, int layerIndex) {
    Checks.requireArgument(
        features >= 2, "CouplingMask: features must be >= 2, but was %d", features);
    Checks.requireNonNegative(layerIndex, "CouplingMask", "layerIndex");
    int half = features / 2;
    boolean[] t = new boolean[features];
    for (int f = 0; f < features; f++) {
      t[f] = layerIndex % 2 == 0 ? f >= half : f < half;
    }
    return new CouplingMask(t);
  }

  /**
   * A mask from a per-feature flag: {@code transformed[f]} is true for the features the layer
   * transforms.
   *
   * @throws IllegalArgumentException unless at least one flag is true and one is false
   */
  public static CouplingMask of(boolean... transformed) {
    return new CouplingMask(transformed);
  }

  /** The mask with the roles of the two parts swapped. */
  public CouplingMask flipped() {
    boolean[] t = new boolean[transformed.length];
    for (int f = 0; f < t.length; f++) {
      t[f] = !transformed[f];
    }
    return new CouplingMask(t);
  }

  /** Number of features {@code D}. */
  public int features() {
    return transformed.length;
  }

  /** Whether feature {@code f} is transformed. */
  public boolean isTransformed(int f) {
    return transformed[f];
  }

  /** The transformed features {@code x_b}, increasing. */
  public int[] transformedFeatures() {
    return transformedFeatures.clone();
  }

  /** The conditioning features {@code x_a}, increasing. */
  public int[] conditioningFeatures() {
    return conditioningFeatures.clone();
  }

  int[] transformedView() {
    return transformedFeatures;
  }

  int[] conditioningView() {
    return conditioningFeatures;
  }

  /** The mask as 0/1 per feature (1 = transformed), as written in layer specs. */
  public int[] toBits() {
    int[] bits = new int[transformed.length];
    for (int f = 0; f < bits.length; f++) {
      bits[f] = transformed[f] ? 1 : 0;
    }
    return bits;
  }

  /**
   * The mask written by {@link #toBits()}.
   *
   * @throws IllegalArgumentException if a value is not 0 or 1, or one side is empty
   */
  public static CouplingMask fromBits(int[] bits) {
    boolean[] t = new boolean[bits.length];
    for (int f = 0; f < bits.length; f++) {
      Checks.requireArgument(
          bits[f] == 0 || bits[f] == 1,
          "CouplingMask: mask entries must be 0 or 1, but were %s",
          Arrays.toString(bits));
      t[f] = bits[f] == 1;
    }
    return new CouplingMask(t);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CouplingMask m && Arrays.equals(transformed, m.transformed);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(transformed);
  }

  @Override
  public String toString() {
    return "CouplingMask(transformed="
        + Arrays.toString(transformedFeatures)
        + ", conditioning="
        + Arrays.toString(conditioningFeatures)
        + ")";
  }
}
