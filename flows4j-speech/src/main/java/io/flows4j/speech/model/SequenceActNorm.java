package io.flows4j.speech.model;

import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.ActNorm;
import io.flows4j.bijectors.Spec;
import io.flows4j.bijectors.Transformed;
import io.flows4j.io.Json;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * {@link ActNorm} (Kingma and Dhariwal 2018) on masked sequences {@code [batch, channels, length]}:
 * {@code z = (x + bias_c) exp(logScale_c) mask}, {@code log|det| = n_b sum_c logScale_c} with
 * {@code n_b} the valid positions of row {@code b}.
 *
 * <p>The data-dependent initialisation of the first training-mode call uses the valid positions
 * only: they are gathered into one {@code [1, channels, N]} sequence and handed to {@link
 * ActNorm#initialize}, so padding does not bias the statistics. The wrapped layer's parameters and
 * its {@code initialized} buffer are this module's state, under {@code actnorm.}.
 */
final class SequenceActNorm extends Module implements SequenceBijector {
  static final String TYPE = "speech-actnorm";

  static {
    SpeechLayers.register();
  }

  private final ActNorm actnorm;

  /**
   * Creates an uninitialised layer.
   *
   * @param channels channels, at least 1
   * @throws IllegalArgumentException if {@code channels < 1}
   */
  SequenceActNorm(int channels) {
    this.actnorm = registerModule("actnorm", new ActNorm(channels));
  }

  /** Whether the data-dependent initialisation has happened (or was loaded). */
  boolean isInitialized() {
    return actnorm.isInitialized();
  }

  @Override
  public Transformed forward(Var x, Tensor mask) {
    requireInput("SequenceActNorm.forward", x.shape(), mask);
    if (isTraining() && !actnorm.isInitialized()) {
      actnorm.initialize(mask == null ? x.value() : validPositions(x.value(), mask));
    }
    return masked(actnorm.forward(x), x.shape(), mask);
  }

  @Override
  public Transformed inverse(Var z, Tensor mask) {
    requireInput("SequenceActNorm.inverse", z.shape(), mask);
    return masked(actnorm.inverse(z), z.shape(), mask);
  }

  private static Transformed masked(Transformed t, Shape s, Tensor mask) {
    if (mask == null) {
      return t;
    }
    double[] n = Masks.lengths(mask, s.dim(0), s.dim(2));
    double[] f = new double[n.length];
    for (int b = 0; b < n.length; b++) {
      f[b] = n[b] / s.dim(2);
    }
    return new Transformed(SpeechOps.mask(t.value(), mask), SpeechOps.scaleRows(t.logAbsDet(), f));
  }

  private void requireInput(String op, Shape s, Tensor mask) {
    Checks.requireShape(
        s.rank() == 3 && s.dim(1) == actnorm.channels(),
        "%s: input must have shape [batch, %d, length], but was %s",
        op,
        actnorm.channels(),
        s);
    Checks.requireShape(
        mask == null || mask.shape().equals(Shape.of(s.dim(0), 1, s.dim(2))),
        "%s: mask must have shape [%d, 1, %d], but was %s",
        op,
        s.dim(0),
        s.dim(2),
        mask == null ? null : mask.shape());
  }

  /** The valid positions of every row, concatenated: {@code [1, channels, sum of lengths]}. */
  private static Tensor validPositions(Tensor x, Tensor mask) {
    int batch = x.dim(0);
    int ch = x.dim(1);
    int len = x.dim(2);
    int n = 0;
    for (int i = 0; i < batch * len; i++) {
      if (mask.getFlat(i) != 0f) {
        n++;
      }
    }
    Tensor out = Tensor.zeros(1, ch, Math.max(n, 1));
    int k = 0;
    for (int b = 0; b < batch; b++) {
      for (int t = 0; t < len; t++) {
        if (mask.getFlat(b * len + t) != 0f) {
          for (int c = 0; c < ch; c++) {
            out.setFlat(c * out.dim(2) + k, x.getFlat((b * ch + c) * len + t));
          }
          k++;
        }
      }
    }
    return out;
  }

  @Override
  public Json.Obj spec() {
    return Spec.of(TYPE).put("channels", actnorm.channels()).build();
  }

  static SequenceActNorm fromSpec(Json.Obj spec) {
    return new SequenceActNorm(spec.getInt("channels"));
  }
}
