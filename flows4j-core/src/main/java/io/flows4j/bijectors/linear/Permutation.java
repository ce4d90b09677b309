package io.flows4j.bijectors.linear;

import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.Spec;
import io.flows4j.bijectors.Transformed;
import io.flows4j.io.Json;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import java.util.Arrays;

/**
 * A fixed permutation of the features, {@code z_i = x_{p(i)}}, with inverse {@code x_{p(i)} = z_i}
 * and {@code log|det J| = 0} in both directions. Placed between coupling or autoregressive layers
 * so every feature is transformed and conditions the others (Dinh, Sohl-Dickstein and Bengio 2017,
 * "Density estimation using Real NVP"; Papamakarios et al. 2017, MAF).
 *
 * <p>It has no parameters; its {@link #spec()} stores the permutation itself, so a rebuilt layer is
 * identical whichever way it was made (reversed, seeded random, given).
 */
public final class Permutation implements Bijector {
  /** The type name in specs and model files. */
  public static final String TYPE = "permutation";

  private final int[] perm;
  private final int[] inversePerm;

  private Permutation(int[] perm) {
    this.perm = perm.clone();
    this.inversePerm = inverseOf(this.perm);
  }

  /**
   * The permutation {@code z_i = x_{perm[i]}}.
   *
   * @param perm a permutation of {@code 0..D-1}; copied
   * @throws IllegalArgumentException if {@code perm} is empty or not a permutation
   */
  public static Permutation of(int... perm) {
    return new Permutation(perm);
  }

  /**
   * The reversal {@code z_i = x_{D-1-i}}.
   *
   * @throws IllegalArgumentException if {@code features < 1}
   */
  public static Permutation reverse(int features) {
    Checks.requirePositive(features, "Permutation.reverse", "features");
    int[] p = new int[features];
    for (int i = 0; i < features; i++) {
      p[i] = features - 1 - i;
    }
    return new Permutation(p);
  }

  /**
   * A uniformly random permutation drawn with {@link Rng#permutation} from {@code seed}.
   *
   * @throws IllegalArgumentException if {@code features < 1}
   */
  public static Permutation random(int features, long seed) {
    Checks.requirePositive(features, "Permutation.random", "features");
    return new Permutation(new Rng(seed).permutation(features));
  }

  /** The permutation: {@code z_i = x_{permutation()[i]}}. */
  public int[] permutation() {
    return perm.clone();
  }

  /** Number of features. */
  public int features() {
    return perm.length;
  }

  /**
   * Gathers the features, {@code z_i = x_{p(i)}}.
   *
   * @param x of shape {@code [batch, features]}
   * @return {@code z} of shape {@code [batch, features]} and zeros of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code x} is not {@code [batch, features]}
   */
  @Override
  public Transformed forward(Var x) {
    requireInput("Permutation.forward", x);
    return new Transformed(gatherColumns(x, perm, inversePerm), zeroLogDet(x));
  }

  /**
   * Scatters the features back, {@code x_{p(i)} = z_i}.
   *
   * @param z of shape {@code [batch, features]}
   * @return {@code x} of shape {@code [batch, features]} and zeros of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code z} is not {@code [batch, features]}
   */
  @Override
  public Transformed inverse(Var z) {
    requireInput("Permutation.inverse", z);
    return new Transformed(gatherColumns(z, inversePerm, perm), zeroLogDet(z));
  }

  private static Var zeroLogDet(Var x) {
    return Var.constant(Tape.newValue(Shape.of(x.shape().dim(0))).fill(0f));
  }

  /**
   * {@code y[:, i] = x[:, index[i]]}; backward {@code dx[:, j] += dy[:, inverse[j]]} (each column
   * of {@code x} is read once, so the gradient is a gather too).
   */
  static Var gatherColumns(Var x, int[] index, int[] inverse) {
    int rows = x.shape().dim(0);
    int d = index.length;
    Tensor y = Tape.newValue(x.shape());
    gather(x.value(), index, y, rows, d, false);
    return Tape.result(
        y,
        out -> {
          if (x.requiresGrad()) {
            gather(out.grad(), inverse, x.grad(), rows, d, true);
          }
        },
        x);
  }

  private static void gather(Tensor src, int[] index, Tensor dst, int rows, int d, boolean add) {
    float[] s = src.data();
    float[] t = dst.data();
    int so = src.offset();
    int to = dst.offset();
    for (int r = 0; r < rows; r++) {
      int sr = so + r * d;
      int tr = to + r * d;
      for (int i = 0; i < d; i++) {
        float v = s[sr + index[i]];
        t[tr + i] = add ? t[tr + i] + v : v;
      }
    }
  }

  private void requireInput(String op, Var x) {
    Checks.requireShape(
        x.shape().rank() == 2 && x.shape().dim(1) == perm.length,
        "%s: input must have shape [batch, %d], but was %s",
        op,
        perm.length,
        x.shape());
  }

  /** The inverse of a permutation, checking that it is one. */
  static int[] inverseOf(int[] perm) {
    Checks.requireArgument(
        perm.length > 0, "Permutation: must have at least one entry, but was []");
    int[] inv = new int[perm.length];
    Arrays.fill(inv, -1);
    for (int i = 0; i < perm.length; i++) {
      int v = perm[i];
      Checks.requireArgument(
          v >= 0 && v < perm.length && inv[v] < 0,
          "Permutation: must be a permutation of 0..%d, but was %s",
          perm.length - 1,
          Arrays.toString(perm));
      inv[v] = i;
    }
    return inv;
  }

  @Override
  public Json.Obj spec() {
    return Spec.of(TYPE).put("permutation", perm).build();
  }

  /**
   * Rebuilds a permutation from its {@link #spec()}.
   *
   * @throws IllegalArgumentException if the stored permutation is missing or invalid
   */
  public static Permutation fromSpec(Json.Obj spec) {
    return new Permutation(spec.getArray("permutation").toIntArray());
  }
}
