package io.flows4j.bijectors.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.autodiff.GradCheck;
import io.flows4j.autodiff.ShapeOps;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.BijectorRegistry;
import io.flows4j.bijectors.Transformed;
import io.flows4j.bijectors.coupling.AffineCoupling;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The image coupling's specifics: its start, a double reference, its ops' gradients, its errors.
 */
class ConvAffineCouplingTest {
  /** Tolerance of the float layer against the double reference, relative to {@code 1 + |z|}. */
  private static final double REFERENCE_TOL = 2e-5;

  @Test
  @DisplayName("a new layer is the identity (zero last convolution): z = x, log-det 0")
  void startsAsIdentity() {
    for (ImageMask mask : ImageMask.values()) {
      ConvAffineCoupling b = ImageLayers.affineCoupling(4, 8, mask, 1, 5);
      Tensor x = new Rng(6).fillNormal(Tensor.zeros(3, 4, 5, 5), 0, 2);
      try (Tape t = Tape.noGrad()) {
        Transformed f = b.forward(t.input(x));
        assertThat(f.value().value().toArray()).containsExactly(x.toArray());
        assertThat(f.logAbsDet().value().toArray()).containsOnly(0f);
      }
    }
  }

  @Test
  @DisplayName(
      "forward matches a double reference: channel mask, checkerboard, with context (seed 7)")
  void forwardMatchesReference() {
    int c = 4;
    int hid = 5;
    int k = 2;
    for (ImageMask mask : ImageMask.values()) {
      for (int parity = 0; parity < 2; parity++) {
        for (int context : new int[] {0, k}) {
          ConvAffineCoupling b =
              new ConvAffineCoupling(c, hid, mask, parity, 2.0, context, 7 + parity);
          perturbAll(b, 8, 0.4);
          Tensor x = new Rng(9).fillNormal(Tensor.zeros(2, c, 3, 4), 0, 1);
          Tensor ctx = new Rng(10).fillNormal(Tensor.zeros(2, k), 0, 1);
          double[][][][] expected = reference(b, x, context == 0 ? null : ctx);
          try (Tape t = Tape.noGrad()) {
            Transformed f =
                context == 0 ? b.forward(t.input(x)) : b.forward(t.input(x), t.input(ctx));
            Tensor z = f.value().value();
            for (int r = 0; r < 2; r++) {
              for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < 3; i++) {
                  for (int j = 0; j < 4; j++) {
                    double e = expected[r][ch][i][j];
                    assertThat((double) z.getFlat(((r * c + ch) * 3 + i) * 4 + j))
                        .as(
                            "%s parity %d context %d: z[%d, %d, %d, %d]",
                            mask, parity, context, r, ch, i, j)
                        .isCloseTo(e, Offset.offset(REFERENCE_TOL * (1 + Math.abs(e))));
                  }
                }
              }
              double ld = expected[r][c][0][0];
              assertThat((double) f.logAbsDet().value().getFlat(r))
                  .isCloseTo(ld, Offset.offset(REFERENCE_TOL * (1 + Math.abs(ld))));
            }
          }
        }
      }
    }
  }

  private static void perturbAll(Module m, long seed, double scale) {
    Rng rng = new Rng(seed);
    for (var p : m.parameters()) {
      Tensor v = p.value();
      for (int i = 0; i < v.size(); i++) {
        v.setFlat(i, v.getFlat(i) + (float) (scale * rng.nextGaussian()));
      }
    }
  }

  /**
   * The layer's forward pass in double from its parameters, with naive convolutions; {@code
   * [b][C][0][0]} holds the log-determinant of row {@code b}.
   */
  private static double[][][][] reference(ConvAffineCoupling b, Tensor x, Tensor ctx) {
    var p = b.namedParameters();
    int rows = x.dim(0);
    int c = x.dim(1);
    int h = x.dim(2);
    int w = x.dim(3);
    int half = c / 2;
    boolean channel = b.mask() == ImageMask.CHANNEL;
    int parity = b.parity();
    double[][][][] out = new double[rows][c + 1][h][w];
    for (int r = 0; r < rows; r++) {
      double[][][] xr = new double[c][h][w];
      for (int ch = 0; ch < c; ch++) {
        for (int i = 0; i < h; i++) {
          for (int j = 0; j < w; j++) {
            xr[ch][i][j] = x.getFlat(((r * c + ch) * h + i) * w + j);
          }
        }
      }
      // Conditioner input and transformed set.
      double[][][] in;
      boolean[][][] transformed = new boolean[c][h][w];
      if (channel) {
        int from = parity == 0 ? 0 : half;
        int n = parity == 0 ? half : c - half;
        in = new double[n][][];
        for (int q = 0; q < n; q++) {
          in[q] = xr[from + q];
        }
        for (int ch = 0; ch < c; ch++) {
          boolean t = parity == 0 ? ch >= half : ch < half;
          for (int i = 0; i < h; i++) {
            java.util.Arrays.fill(transformed[ch][i], t);
          }
        }
      } else {
        in = new double[c][h][w];
        for (int ch = 0; ch < c; ch++) {
          for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
              transformed[ch][i][j] = (i + j) % 2 != parity;
              in[ch][i][j] = transformed[ch][i][j] ? 0 : xr[ch][i][j];
            }
          }
        }
      }
      double[][][] h1 = conv(in, p.get("in.weight").value(), p.get("in.bias").value(), 1);
      for (int o = 0; o < h1.length; o++) {
        double cb = 0;
        if (ctx != null) {
          Tensor v = p.get("contextWeight").value();
          for (int q = 0; q < ctx.dim(1); q++) {
            cb += (double) v.get(o, q) * ctx.get(r, q);
          }
        }
        relu(h1[o], cb);
      }
      double[][][] h2 = conv(h1, p.get("mid.weight").value(), p.get("mid.bias").value(), 0);
      for (double[][] plane : h2) {
        relu(plane, 0);
      }
      double[][][] hh = conv(h2, p.get("out.weight").value(), p.get("out.bias").value(), 1);
      int first = b.transformedChannels()[0];
      int count = b.transformedChannels()[1];
      double ld = 0;
      for (int ch = 0; ch < c; ch++) {
        for (int i = 0; i < h; i++) {
          for (int j = 0; j < w; j++) {
            double v = xr[ch][i][j];
            if (transformed[ch][i][j]) {
              double t = hh[ch - first][i][j];
              double u = hh[count + ch - first][i][j];
              double s = u / (1 + Math.abs(u) / b.scaleBound());
              v = v * Math.exp(s) + t;
              ld += s;
            }
            out[r][ch][i][j] = v;
          }
        }
      }
      out[r][c][0][0] = ld;
    }
    return out;
  }

  private static void relu(double[][] plane, double bias) {
    for (double[] row : plane) {
      for (int j = 0; j < row.length; j++) {
        row[j] = Math.max(0, row[j] + bias);
      }
    }
  }

  /** {@code y[o, i, j] = bias[o] + sum w[o, c, p, q] x[c, i + p - pad, j + q - pad]}, in double. */
  private static double[][][] conv(double[][][] x, Tensor weight, Tensor bias, int pad) {
    int cin = x.length;
    int h = x[0].length;
    int w = x[0][0].length;
    int cout = weight.dim(0);
    int k = weight.dim(2);
    double[][][] y = new double[cout][h][w];
    for (int o = 0; o < cout; o++) {
      for (int i = 0; i < h; i++) {
        for (int j = 0; j < w; j++) {
          double s = bias.getFlat(o);
          for (int c = 0; c < cin; c++) {
            for (int p = 0; p < k; p++) {
              for (int q = 0; q < k; q++) {
                int ii = i + p - pad;
                int jj = j + q - pad;
                if (ii >= 0 && ii < h && jj >= 0 && jj < w) {
                  s += (double) weight.getFlat(((o * cin + c) * k + p) * k + q) * x[c][ii][jj];
                }
              }
            }
          }
          y[o][i][j] = s;
        }
      }
    }
    return y;
  }

  private static Var both(Transformed t) {
    int rows = t.value().shape().dim(0);
    return ShapeOps.concat(
        1, ShapeOps.reshape(t.value(), rows, -1), ShapeOps.reshape(t.logAbsDet(), rows, 1));
  }

  @Test
  @DisplayName("the fused affine op's backward rule matches finite differences (seed 31)")
  void affineGradients() {
    boolean[] board = ImageCouplingOps.transformedPixels(3, 2, 0);
    for (boolean inverse : new boolean[] {false, true}) {
      Tensor x = GradCheck.uniform(31, -2, 2, 2, 3, 3, 2);
      // Channel mask: channels 1..2 transformed; raw log-scales span the soft clip's knee.
      Tensor hc = GradCheck.uniform(32, -3, 3, 2, 4, 3, 2);
      GradCheck.check(
          v -> both(ImageCouplingOps.affine("t", v[0], v[1], 1, 2, null, 2f, inverse)), 33, x, hc);
      Tensor hb = GradCheck.uniform(34, -3, 3, 2, 6, 3, 2);
      GradCheck.check(
          v -> both(ImageCouplingOps.affine("t", v[0], v[1], 0, 3, board, 2f, inverse)), 35, x, hb);
      // The log-determinant alone (the value unused).
      GradCheck.check(
          v -> ImageCouplingOps.affine("t", v[0], v[1], 0, 3, board, 2f, inverse).logAbsDet(),
          36,
          x,
          hb);
    }
  }

  @Test
  @DisplayName("channel slice, checkerboard input and context bias + ReLU match FD (seed 41)")
  void conditionerOpGradients() {
    Tensor x = GradCheck.uniform(41, -1, 1, 2, 3, 2, 3);
    GradCheck.check(v -> ImageCouplingOps.channels(v[0], 1, 2), 42, x);
    boolean[] board = ImageCouplingOps.transformedPixels(2, 3, 1);
    GradCheck.check(v -> ImageCouplingOps.maskTransformed(v[0], board), 43, x);
    // Pre-activations kept at least 0.1 from the ReLU's kink, further than the FD step reaches.
    Tensor h = GradCheck.uniform(44, -1, 1, 2, 3, 2, 3);
    for (int i = 0; i < h.size(); i++) {
      float v = h.getFlat(i);
      h.setFlat(i, Math.copySign(0.1f + Math.abs(v), v));
    }
    Tensor bias = GradCheck.uniform(45, -0.02, 0.02, 2, 3);
    GradCheck.check(v -> ImageCouplingOps.addChannelBiasRelu(v[0], v[1]), 46, h, bias);
  }

  @Test
  @DisplayName("a conditional layer's spec round trip through the registry keeps the weights' use")
  void conditionalSpecRoundTrip() {
    ConvAffineCoupling b = ImageLayers.conditionalAffineCoupling(4, 6, ImageMask.CHANNEL, 1, 3, 11);
    perturbAll(b, 12, 0.3);
    ConvAffineCoupling rebuilt = (ConvAffineCoupling) BijectorRegistry.build(b.spec());
    rebuilt.loadStateDict(b.stateDict());
    assertThat(rebuilt.spec().write()).isEqualTo(b.spec().write());
    Tensor x = new Rng(13).fillNormal(Tensor.zeros(2, 4, 3, 3), 0, 1);
    Tensor c = new Rng(14).fillNormal(Tensor.zeros(1, 3), 0, 1);
    try (Tape t = Tape.noGrad()) {
      Transformed e = b.inverse(t.input(x), t.input(c));
      Transformed a = rebuilt.inverse(t.input(x), t.input(c));
      assertThat(a.value().value().toArray()).containsExactly(e.value().value().toArray());
      assertThat(a.logAbsDet().value().toArray()).containsExactly(e.logAbsDet().value().toArray());
    }
  }

  @Test
  @DisplayName("bad arguments and input shapes are refused with one-line messages")
  void refusesBadArguments() {
    assertThatThrownBy(() -> ImageLayers.affineCoupling(4, 8, ImageMask.CHANNEL, 2, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ConvAffineCoupling: parity must be 0 or 1, but was 2");
    assertThatThrownBy(() -> ImageLayers.affineCoupling(1, 8, ImageMask.CHANNEL, 0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ConvAffineCoupling: channels must be >= 2 for a channel mask, but was 1");
    assertThatThrownBy(() -> ImageLayers.affineCoupling(2, 0, ImageMask.CHECKERBOARD, 0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ConvAffineCoupling: hidden must be > 0, but was 0");
    assertThatThrownBy(
            () -> ImageLayers.conditionalAffineCoupling(2, 4, ImageMask.CHECKERBOARD, 0, 0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ConvAffineCoupling: contextFeatures must be >= 1, but was 0");
    assertThatThrownBy(
            () -> new ConvAffineCoupling(2, 4, ImageMask.CHECKERBOARD, 0, Double.NaN, 0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ConvAffineCoupling: scaleBound must be > 0 and finite, but was NaN");
    assertThatThrownBy(() -> ImageMask.fromSpecName("stripes"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("image coupling: mask must be 'channel' or 'checkerboard', but was 'stripes'");
    ConvAffineCoupling b = ImageLayers.affineCoupling(4, 8, ImageMask.CHANNEL, 0, 1);
    try (Tape t = Tape.noGrad()) {
      Var wrong = t.input(Tensor.zeros(2, 3, 4, 4));
      assertThatThrownBy(() -> b.forward(wrong))
          .isInstanceOf(ShapeMismatchException.class)
          .hasMessage(
              "ConvAffineCoupling.forward: input must have shape [batch, 4, height, width], but"
                  + " was [2, 3, 4, 4]");
    }
    assertThat(b.scaleBound()).isEqualTo(AffineCoupling.DEFAULT_SCALE_BOUND);
  }
}
