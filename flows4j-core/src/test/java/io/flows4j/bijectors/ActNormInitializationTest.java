package io.flows4j.bijectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.autodiff.Tape;
import io.flows4j.distributions.StandardNormal;
import io.flows4j.flows.Flow;
import io.flows4j.io.Json;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import java.nio.file.Path;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ActNorm's data-dependent initialisation: when it happens, what it does, and what survives. */
class ActNormInitializationTest {
  private static final long SEED = 77L;

  /** Mean and variance of float32 outputs of a two-pass double computation. */
  private static final double MOMENT_TOL = 1e-5;

  private static Tensor forward(ActNorm a, Tensor x) {
    try (Tape t = Tape.noGrad()) {
      return a.forward(t.input(x)).value().value();
    }
  }

  /** Per-channel mean and variance, in double, of a {@code [B, C, ...]} tensor. */
  private static double[][] moments(Tensor y, int channels) {
    int b0 = y.shape().batch();
    int p0 = y.shape().rowSize() / channels;
    double[][] m = new double[2][channels];
    for (int c = 0; c < channels; c++) {
      double s = 0;
      for (int b = 0; b < b0; b++) {
        for (int p = 0; p < p0; p++) {
          s += y.getFlat((b * channels + c) * p0 + p);
        }
      }
      double mean = s / (b0 * p0);
      double v = 0;
      for (int b = 0; b < b0; b++) {
        for (int p = 0; p < p0; p++) {
          double d = y.getFlat((b * channels + c) * p0 + p) - mean;
          v += d * d;
        }
      }
      m[0][c] = mean;
      m[1][c] = v / (b0 * p0);
    }
    return m;
  }

  @Test
  @DisplayName(
      "the first training-mode forward normalises its batch per feature and marks the layer")
  void firstForwardInitialisesVectors() {
    ActNorm a = new ActNorm(3);
    assertThat(a.isInitialized()).isFalse();
    Tensor x = new Rng(SEED).fillNormal(Tensor.zeros(64, 3), 5, 3);
    Tensor y = forward(a, x);
    assertThat(a.isInitialized()).isTrue();
    double[][] m = moments(y, 3);
    for (int c = 0; c < 3; c++) {
      assertThat(m[0][c]).as("mean of feature %d", c).isCloseTo(0, Offset.offset(MOMENT_TOL));
      assertThat(m[1][c]).as("variance of feature %d", c).isCloseTo(1, Offset.offset(MOMENT_TOL));
    }
    // A second batch does not initialise again.
    Tensor before = a.stateDict().get("logScale").copy();
    forward(a, new Rng(SEED + 1).fillNormal(Tensor.zeros(64, 3), -5, 0.1));
    assertThat(a.stateDict().get("logScale").toArray()).containsExactly(before.toArray());
  }

  @Test
  @DisplayName("on images [B, C, H, W] the statistics are per channel, over batch and pixels")
  void initialisesPerChannelOnImages() {
    ActNorm a = new ActNorm(2);
    Tensor x = new Rng(SEED).fillNormal(Tensor.zeros(3, 2, 4, 4), 0, 1);
    // Give channel 1 a different location and spread than channel 0.
    for (int b = 0; b < 3; b++) {
      for (int p = 0; p < 16; p++) {
        int i = (b * 2 + 1) * 16 + p;
        x.setFlat(i, 10 + 4 * x.getFlat(i));
      }
    }
    double[][] mx = moments(x, 2);
    Tensor y = forward(a, x);
    double[][] m = moments(y, 2);
    for (int c = 0; c < 2; c++) {
      assertThat(m[0][c]).isCloseTo(0, Offset.offset(MOMENT_TOL));
      assertThat(m[1][c]).isCloseTo(1, Offset.offset(MOMENT_TOL));
      assertThat((double) a.stateDict().get("logScale").getFlat(c))
          .isCloseTo(-0.5 * Math.log(mx[1][c] + ActNorm.INIT_EPS), Offset.offset(1e-6));
    }
    // log-det = positions * sum(logScale) for every row
    try (Tape t = Tape.noGrad()) {
      float ld = a.forward(t.input(x)).logAbsDet().value().getFlat(2);
      Tensor ls = a.stateDict().get("logScale");
      assertThat((double) ld)
          .isCloseTo(16.0 * ((double) ls.getFlat(0) + ls.getFlat(1)), Offset.offset(1e-4));
    }
  }

  @Test
  @DisplayName(
      "inverse first (sampling an untrained flow) does not initialise; eval-mode forward neither")
  void onlyTrainingForwardInitialises() {
    ActNorm a = new ActNorm(2);
    Tensor z = new Rng(SEED).fillNormal(Tensor.zeros(8, 2), 0, 1);
    try (Tape t = Tape.noGrad()) {
      Tensor x = a.inverse(t.input(z)).value().value();
      assertThat(x.toArray()).as("identity before initialisation").containsExactly(z.toArray());
    }
    assertThat(a.isInitialized()).isFalse();
    a.eval();
    Tensor data = new Rng(SEED + 1).fillNormal(Tensor.zeros(8, 2), 3, 2);
    assertThat(forward(a, data).toArray()).containsExactly(data.toArray());
    assertThat(a.isInitialized()).isFalse();
    a.train();
    forward(a, data);
    assertThat(a.isInitialized()).isTrue();
  }

  @Test
  @DisplayName(
      "a saved and loaded layer keeps its initialisation and is not re-initialised (file round trip)")
  void initialisationSurvivesSaveAndLoad(@TempDir Path dir) throws Exception {
    ActNorm a = new ActNorm(2);
    Flow flow = new Flow(a, new StandardNormal(2));
    Tensor train = new Rng(SEED).fillNormal(Tensor.zeros(32, 2), 4, 2);
    forward(a, train);
    Path file = dir.resolve("actnorm.safetensors");
    flow.saveState(file, Map.of());

    Json.Obj spec = (Json.Obj) Json.parse(a.spec().write());
    ActNorm loaded = (ActNorm) BijectorRegistry.build(spec);
    Flow other = new Flow(loaded, new StandardNormal(2));
    other.loadState(file);
    assertThat(loaded.isInitialized()).isTrue();
    assertThat(loaded.isTraining()).isTrue();
    // A training-mode forward on a very different batch must not re-initialise the loaded layer.
    Tensor other1 = new Rng(SEED + 9).fillNormal(Tensor.zeros(32, 2), -7, 0.01);
    assertThat(forward(loaded, other1).toArray()).containsExactly(forward(a, other1).toArray());
    assertThat(other.logProb(train).toArray()).containsExactly(flow.logProb(train).toArray());
  }

  @Test
  @DisplayName("initialisation needs two values per channel and finite data; shapes are checked")
  void badInputs() {
    ActNorm a = new ActNorm(3);
    assertThatThrownBy(() -> forward(a, Tensor.zeros(1, 3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "ActNorm.initialize: the batch must hold at least 2 values per channel to estimate a"
                + " variance, but holds 1 (shape [1, 3])");
    assertThat(a.isInitialized()).isFalse();
    Tensor nan = Tensor.zeros(4, 3);
    nan.setFlat(5, Float.NaN);
    assertThatThrownBy(() -> a.initialize(nan))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("values of channel 2 must be finite");
    assertThatThrownBy(() -> forward(a, Tensor.zeros(4, 2)))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage(
            "ActNorm.forward: input must have shape [batch, 3] or [batch, 3, ...], but was [4, 2]");
    assertThatThrownBy(() -> new ActNorm(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ActNorm: channels must be > 0, but was 0");
  }

  @Test
  @DisplayName("a constant channel gets a large finite scale, 1 / sqrt(INIT_EPS)")
  void constantChannel() {
    ActNorm a = new ActNorm(1);
    Tensor x = Tensor.full(io.flows4j.tensor.Shape.of(4, 1), 2.5f);
    Tensor y = forward(a, x);
    assertThat(y.toArray()).containsOnly(0f);
    assertThat((double) a.stateDict().get("logScale").getFlat(0))
        .isCloseTo(-0.5 * Math.log(ActNorm.INIT_EPS), Offset.offset(1e-5));
  }
}
