package io.flows4j.speech.model;

import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Spec;
import io.flows4j.bijectors.Transformed;
import io.flows4j.io.Json;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * The invertible 1x1 convolution of Glow (Kingma and Dhariwal 2018) over groups of four channels,
 * as in Glow-TTS's decoder (Kim et al. 2020): one {@code 4 x 4} matrix {@code W}, shared by the
 * {@code channels / 4} groups and every position, mixes each group, whose elements are channels
 * {@code 2g, 2g + 1} of the first half and the same two of the second half (see {@link
 * SpeechOps#groupChannel}).
 *
 * <pre>
 *   forward:  z[ch(k, g), t] = sum_l W[k, l] x[ch(l, g), t]
 *   log|det| = n_b (channels / 4) sum_i logS_i        (n_b valid positions of row b)
 * </pre>
 *
 * <p>{@code W = P L (U + diag(sign exp(logS)))} is LU-parameterised, so it stays invertible and its
 * log-determinant is a sum; it starts as a random rotation. Parameters: {@code lower} and {@code
 * upper} (six entries each), {@code logS} ({@code [4]}); buffers: the permutation {@code perm} and
 * the diagonal's {@code signs} ({@code [4]} each), fixed at initialisation. The inverse applies
 * {@code W^-1} computed in double and passes no gradient to the parameters.
 */
final class GroupedInvertibleConv extends Module implements SequenceBijector {
  static final String TYPE = "grouped-invconv";

  static {
    SpeechLayers.register();
  }

  private static final int D = 4;

  private final int channels;
  private final Parameter lower;
  private final Parameter upper;
  private final Parameter logS;
  private final Tensor perm;
  private final Tensor signs;

  /**
   * Creates the layer with a random rotation.
   *
   * @param channels a positive multiple of 4
   * @param seed seed of the rotation
   * @throws IllegalArgumentException if {@code channels} is not a positive multiple of 4
   */
  GroupedInvertibleConv(int channels, long seed) {
    Checks.requireArgument(
        channels > 0 && channels % D == 0,
        "GroupedInvertibleConv: channels must be a positive multiple of 4, but was %d",
        channels);
    this.channels = channels;
    this.lower = registerParameter("lower", Tensor.zeros(D * (D - 1) / 2));
    this.upper = registerParameter("upper", Tensor.zeros(D * (D - 1) / 2));
    this.logS = registerParameter("logS", Tensor.zeros(D));
    this.perm = registerBuffer("perm", Tensor.zeros(D));
    this.signs = registerBuffer("signs", Tensor.zeros(D));
    initRotation(new Rng(seed));
  }

  /** Sets {@code W} to a random orthogonal matrix and stores its LU factors. */
  private void initRotation(Rng rng) {
    double[][] a = new double[D][D];
    // Gram-Schmidt on Gaussian rows gives a uniformly random orthogonal matrix.
    for (int i = 0; i < D; i++) {
      for (int j = 0; j < D; j++) {
        a[i][j] = rng.nextGaussian();
      }
      for (int k = 0; k < i; k++) {
        double dot = 0;
        for (int j = 0; j < D; j++) {
          dot += a[i][j] * a[k][j];
        }
        for (int j = 0; j < D; j++) {
          a[i][j] -= dot * a[k][j];
        }
      }
      double norm = 0;
      for (int j = 0; j < D; j++) {
        norm += a[i][j] * a[i][j];
      }
      for (int j = 0; j < D; j++) {
        a[i][j] /= Math.sqrt(norm);
      }
    }
    // LU with partial pivoting: row i of L U is row piv[i] of A.
    int[] piv = {0, 1, 2, 3};
    for (int c = 0; c < D; c++) {
      int p = c;
      for (int r = c + 1; r < D; r++) {
        if (Math.abs(a[r][c]) > Math.abs(a[p][c])) {
          p = r;
        }
      }
      double[] t = a[c];
      a[c] = a[p];
      a[p] = t;
      int ti = piv[c];
      piv[c] = piv[p];
      piv[p] = ti;
      for (int r = c + 1; r < D; r++) {
        a[r][c] /= a[c][c];
        for (int k = c + 1; k < D; k++) {
          a[r][k] -= a[r][c] * a[c][k];
        }
      }
    }
    int li = 0;
    int ui = 0;
    for (int i = 0; i < D; i++) {
      for (int j = 0; j < i; j++) {
        lower.value().setFlat(li++, (float) a[i][j]);
      }
      logS.value().setFlat(i, (float) Math.log(Math.abs(a[i][i])));
      signs.setFlat(i, a[i][i] < 0 ? -1f : 1f);
      for (int j = i + 1; j < D; j++) {
        upper.value().setFlat(ui++, (float) a[i][j]);
      }
      perm.setFlat(i, piv[i]);
    }
  }

  private int[] permutation() {
    int[] p = new int[D];
    for (int i = 0; i < D; i++) {
      p[i] = Math.round(perm.getFlat(i));
    }
    return p;
  }

  private Var weight() {
    return SpeechOps.luWeight(lower.var(), upper.var(), logS.var(), permutation(), signs.toArray());
  }

  /** The current matrix {@code W}, of shape {@code [4, 4]}. */
  @SuppressWarnings("try") // the no-grad scope is entered for its effect on the ops inside
  Tensor weightValue() {
    try (io.flows4j.autodiff.Tape t = io.flows4j.autodiff.Tape.noGrad()) {
      return weight().value();
    }
  }

  @Override
  public Transformed forward(Var x, Tensor mask) {
    Shape s = requireInput("GroupedInvertibleConv.forward", x.shape());
    Var y = SpeechOps.groupedMix(x, weight());
    return new Transformed(y, SpeechOps.scaledSum(logS.var(), factors(s, mask, 1)));
  }

  @Override
  public Transformed inverse(Var z, Tensor mask) {
    Shape s = requireInput("GroupedInvertibleConv.inverse", z.shape());
    Var y = SpeechOps.groupedMix(z, Var.constant(invert(weightValue())));
    return new Transformed(y, SpeechOps.scaledSum(logS.var(), factors(s, mask, -1)));
  }

  private double[] factors(Shape s, Tensor mask, int sign) {
    double[] n = Masks.lengths(mask, s.dim(0), s.dim(2));
    for (int b = 0; b < n.length; b++) {
      n[b] *= sign * (channels / D);
    }
    return n;
  }

  /** {@code W^-1} by Gauss-Jordan elimination with partial pivoting, in double. */
  private static Tensor invert(Tensor w) {
    double[][] a = new double[D][2 * D];
    for (int i = 0; i < D; i++) {
      for (int j = 0; j < D; j++) {
        a[i][j] = w.getFlat(i * D + j);
      }
      a[i][D + i] = 1;
    }
    for (int c = 0; c < D; c++) {
      int p = c;
      for (int r = c + 1; r < D; r++) {
        if (Math.abs(a[r][c]) > Math.abs(a[p][c])) {
          p = r;
        }
      }
      double[] t = a[c];
      a[c] = a[p];
      a[p] = t;
      double piv = a[c][c];
      for (int k = 0; k < 2 * D; k++) {
        a[c][k] /= piv;
      }
      for (int r = 0; r < D; r++) {
        if (r != c && a[r][c] != 0) {
          double f = a[r][c];
          for (int k = 0; k < 2 * D; k++) {
            a[r][k] -= f * a[c][k];
          }
        }
      }
    }
    Tensor inv = Tensor.zeros(D, D);
    for (int i = 0; i < D; i++) {
      for (int j = 0; j < D; j++) {
        inv.setFlat(i * D + j, (float) a[i][D + j]);
      }
    }
    return inv;
  }

  private Shape requireInput(String op, Shape s) {
    Checks.requireShape(
        s.rank() == 3 && s.dim(1) == channels,
        "%s: input must have shape [batch, %d, length], but was %s",
        op,
        channels,
        s);
    return s;
  }

  @Override
  public Json.Obj spec() {
    return Spec.of(TYPE).put("channels", channels).build();
  }

  static GroupedInvertibleConv fromSpec(Json.Obj spec) {
    return new GroupedInvertibleConv(spec.getInt("channels"), 0L);
  }
}
