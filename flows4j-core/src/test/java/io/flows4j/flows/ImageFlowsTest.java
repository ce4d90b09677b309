package io.flows4j.flows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Tape;
import io.flows4j.bijectors.ActNorm;
import io.flows4j.bijectors.Bijectors;
import io.flows4j.bijectors.Transformed;
import io.flows4j.bijectors.image.MultiScale;
import io.flows4j.bijectors.image.TestCoupling;
import io.flows4j.data.ContextEncoding;
import io.flows4j.data.Dataset;
import io.flows4j.data.Dequantization;
import io.flows4j.distributions.DiagonalGaussian;
import io.flows4j.model.FittedModel;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import io.flows4j.training.BatchDensity;
import io.flows4j.training.Trainer;
import io.flows4j.training.TrainingConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The multi-scale image flows end to end, with ActNorm and a test coupling as steps. */
class ImageFlowsTest {
  /** Float32 log-densities of 16 values summed in float: a few ulps of 100. */
  private static final double LOG_PROB_TOL = 1e-3;

  private static final int D = 16;

  @TempDir Path dir;

  /** Glow-shaped: 2 levels of (squeeze, ActNorm, coupling) steps on 1x4x4 images. */
  static MultiScale transform(long seed) {
    return ImageFlows.glowArchitecture(
        1, 4, 4, 2, 2, (c, i, s) -> Bijectors.chain(new ActNorm(c), new TestCoupling(c, s)), seed);
  }

  /**
   * Images of 4x4 pixels: class k has bright pixels in quadrant k (and a faint noisy background).
   */
  static Dataset images(int n, int classes, long seed) {
    Rng rng = new Rng(seed);
    float[][] rows = new float[n][D];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      int k = rng.nextInt(classes);
      labels[i] = k;
      for (int y = 0; y < 4; y++) {
        for (int x = 0; x < 4; x++) {
          int q = (y / 2) * 2 + x / 2;
          rows[i][y * 4 + x] = q == k ? 200 + rng.nextInt(40) : rng.nextInt(30);
        }
      }
    }
    return Dataset.of(rows).withLabels(labels);
  }

  @Test
  @DisplayName("log p(y) = sum over levels of the per-level Gaussian + every log-det (seed 4)")
  void densityIsTheSumOverLevels() {
    MultiScale ms = transform(4);
    Flow flow = ImageFlows.flow(ms, true);
    Rng rng = new Rng(4);
    for (Parameter p : flow.parameters()) {
      Tensor v = p.value();
      for (int i = 0; i < v.size(); i++) {
        v.setFlat(i, v.getFlat(i) + (float) (0.2 * rng.nextGaussian()));
      }
    }
    flow.eval();
    Tensor y = images(6, 4, 5).toTensor();
    Dequantization.addFixed(y, D);
    Tensor lp = flow.logProb(y);
    DiagonalGaussian base = (DiagonalGaussian) flow.base();
    double a = ImageFlows.LOGIT_ALPHA;
    List<Shape> pieces = ms.latentShapes();
    assertThat(pieces).containsExactly(Shape.of(2, 2, 2), Shape.of(8, 1, 1));
    for (int r = 0; r < 6; r++) {
      // Pre-processing in double: x = y / 256, s = a + (1 - 2a) x, logit.
      Tensor pre = Tensor.zeros(1, D);
      double logDet = 0;
      for (int j = 0; j < D; j++) {
        double x = y.get(r, j) / 256.0;
        double s = a + (1 - 2 * a) * x;
        pre.setFlat(j, (float) Math.log(s / (1 - s)));
        logDet += -Math.log(256) + Math.log(1 - 2 * a) - Math.log(s) - Math.log(1 - s);
      }
      Transformed t;
      try (Tape tape = Tape.noGrad()) {
        t = ms.forward(tape.input(pre));
        logDet += t.logAbsDet().value().getFlat(0);
        // Each level's piece under its own slice of the base's parameters.
        double levels = 0;
        int at = 0;
        for (Shape piece : pieces) {
          for (int j = at; j < at + piece.size(); j++) {
            double m = base.mean().value().getFlat(j);
            double ls = base.logStd().value().getFlat(j);
            double e = (t.value().value().getFlat(j) - m) / Math.exp(ls);
            levels += -0.5 * e * e - ls - 0.5 * Math.log(2 * Math.PI);
          }
          at += piece.size();
        }
        assertThat((double) lp.getFlat(r))
            .as("row %d", r)
            .isCloseTo(levels + logDet, within(LOG_PROB_TOL * 100));
      }
    }
  }

  @Test
  @DisplayName("images [B, 1, 4, 4] and their flat rows [B, 16] give the same latent values")
  void imageAndFlatInputsAgree() {
    MultiScale ms = transform(6);
    ms.eval();
    Tensor x = new Rng(6).fillNormal(Tensor.zeros(3, D), 0, 1);
    try (Tape t = Tape.noGrad()) {
      Tensor a = ms.forward(t.input(x)).value().value();
      Tensor b = ms.forward(t.input(x.reshape(3, 1, 4, 4))).value().value();
      assertThat(b.toArray()).containsExactly(a.toArray());
      assertThat(ms.inverse(t.input(a)).value().shape()).isEqualTo(Shape.of(3, D));
    }
    assertThatThrownBy(
            () -> {
              try (Tape t = Tape.noGrad()) {
                ms.forward(t.input(Tensor.zeros(2, 1, 4, 6)));
              }
            })
        .hasMessageContaining(
            "input must have shape [batch, 1, 4, 4] or [batch, 16], but was [2, 1, 4, 6]");
  }

  @Test
  @DisplayName(
      "Trainer fits a multi-scale flow to dequantized images: bits/dim fall well below 8 (seed 7)")
  void trainsWithTheTrainer() throws IOException {
    Dataset train = images(512, 4, 7);
    Dataset test = images(256, 4, 8);
    Flow flow = ImageFlows.flow(transform(7), true);
    BatchDensity model = BatchDensity.dequantized(BatchDensity.of(flow), 7);
    double before = Dequantization.bitsPerDimOfPixels(Trainer.meanNll(model, test), D);
    Trainer.train(
        model,
        train,
        test.slice(0, 0),
        TrainingConfig.benchmark(300, 64).withLearningRate(3e-3),
        null);
    double after = Dequantization.bitsPerDimOfPixels(Trainer.meanNll(model, test), D);
    // The data: about 1 bit for the class, then ~5 bits per background pixel (30 levels) and
    // ~5.3 per bright pixel (40 levels) in a fixed place: near 5 bits per dimension is attainable.
    assertThat(after)
        .as("bits/dim after (before: %s)", before)
        .isLessThan(6.5)
        .isLessThan(before - 1);
    // The evaluation noise is fixed: evaluating again gives the same figure.
    assertThat(Dequantization.bitsPerDimOfPixels(Trainer.meanNll(model, test), D)).isEqualTo(after);

    // Saved and loaded as a model file: the same log-densities, samples and latents.
    FittedModel fm =
        new FittedModel(flow, train.columnNames(), null, null, Map.of("image", "1x4x4"));
    Path file = dir.resolve("m.flows4j");
    fm.save(file);
    FittedModel back = FittedModel.load(file);
    Tensor y = test.slice(0, 8).toTensor();
    Dequantization.addFixed(y, D);
    assertThat(back.logProb(y).toArray()).containsExactly(fm.logProb(y).toArray());
    assertThat(back.metadata()).containsEntry("image", "1x4x4");
    Tensor z = back.encode(y);
    Tensor yy = back.decode(z);
    for (int i = 0; i < y.size(); i++) {
      assertThat((double) yy.getFlat(i)).isCloseTo(y.getFlat(i), within(0.05));
    }
    // Lower temperature, samples closer to the mean image.
    Tensor hot = back.flow().sample(200, 1.0, new Rng(1));
    Tensor cold = back.flow().sample(200, 0.3, new Rng(1));
    assertThat(hot.shape()).isEqualTo(Shape.of(200, D));
    assertThat(spread(cold)).isLessThan(spread(hot));
  }

  private static double spread(Tensor s) {
    int n = s.shape().dim(0);
    int d = s.shape().dim(1);
    double total = 0;
    for (int j = 0; j < d; j++) {
      double m = 0;
      for (int i = 0; i < n; i++) {
        m += s.get(i, j);
      }
      m /= n;
      for (int i = 0; i < n; i++) {
        total += Math.pow(s.get(i, j) - m, 2);
      }
    }
    return total / (n * d);
  }

  @Test
  @DisplayName(
      "the class-conditional flow learns p(x | label) and saves with its encoding (seed 9)")
  void classConditional() throws IOException {
    int classes = 4;
    Dataset train = images(512, classes, 9);
    Dataset test = images(128, classes, 10);
    ConditionalFlow flow = ImageFlows.conditionalFlow(transform(9), true, classes, 9);
    BatchDensity model = BatchDensity.dequantized(BatchDensity.of(flow, D), 9);
    Trainer.train(
        model,
        withOneHot(train, classes, 0),
        withOneHot(test, classes, 0).slice(0, 0),
        TrainingConfig.benchmark(300, 64).withLearningRate(3e-3),
        null);
    double right = Trainer.meanNll(model, withOneHot(test, classes, 0));
    double wrong = Trainer.meanNll(model, withOneHot(test, classes, 1));
    assertThat(right).as("NLL at the true label vs a wrong one").isLessThan(wrong - 5);

    List<String> labels = new ArrayList<>();
    for (int k = 0; k < classes; k++) {
      labels.add(Integer.toString(k));
    }
    ContextEncoding enc =
        new ContextEncoding(List.of(new ContextEncoding.Column("label", labels, 0, 1)));
    FittedModel fm = new FittedModel(flow, train.columnNames(), enc, null, null, Map.of());
    Path file = dir.resolve("c.flows4j");
    fm.save(file);
    FittedModel back = FittedModel.load(file);
    Tensor y = test.slice(0, 4).toTensor();
    Dequantization.addFixed(y, D);
    String[] l = {"0", "1", "2", "3"};
    Dataset yd = Dataset.fromTensor(y, train.columnNames());
    assertThat(back.logProb(yd, Map.of("label", l)))
        .containsExactly(fm.logProb(yd, Map.of("label", l)));
    // Samples at label 2 are bright in quadrant 2 (bottom left).
    Tensor s = back.conditionalFlow().orElseThrow().sample(50, oneHot(2, classes), 0.7, new Rng(3));
    double inside = 0;
    double outside = 0;
    for (int i = 0; i < 50; i++) {
      inside += s.get(i, 8) + s.get(i, 9) + s.get(i, 12) + s.get(i, 13);
      outside += s.get(i, 0) + s.get(i, 1) + s.get(i, 4) + s.get(i, 5);
    }
    // The data's gap is about 205 levels (220 vs 15); a model that ignored the label would show
    // none, since the classes are balanced. Measured after 300 steps: 118 vs 21.
    assertThat(inside / 200).isGreaterThan(outside / 200 + 60);
  }

  /** 1x8x8 images: a bright square at a random place on a dark, noisy background. */
  static Dataset squares(int n, long seed) {
    Rng rng = new Rng(seed);
    float[][] rows = new float[n][64];
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      int k = rng.nextInt(4);
      labels[i] = k;
      int y0 = 4 * (k / 2);
      int x0 = 4 * (k % 2);
      for (int j = 0; j < 64; j++) {
        int y = j / 8;
        int x = j % 8;
        boolean in = y >= y0 && y < y0 + 4 && x >= x0 && x < x0 + 4;
        rows[i][j] = in ? 180 + rng.nextInt(60) : rng.nextInt(40);
      }
    }
    return Dataset.of(rows).withLabels(labels);
  }

  @Test
  @DisplayName("Glow and RealNVP presets train, invert, and save and load exactly (seed 12)")
  void presets() throws IOException {
    Dataset train = squares(256, 12);
    Dataset test = squares(64, 13);
    for (Flow flow :
        List.of(ImageFlows.glow(2, 2, 8, 1, 8, 8, 12), ImageFlows.realNvp(2, 8, 1, 8, 8, 12))) {
      BatchDensity model = BatchDensity.dequantized(BatchDensity.of(flow), 12);
      double before = Trainer.meanNll(model, test);
      Trainer.train(model, train, test.slice(0, 0), TrainingConfig.benchmark(40, 32), null);
      double after = Trainer.meanNll(model, test);
      assertThat(after).as("%s: NLL after 40 steps vs before", flow.transform()).isLessThan(before);
      FittedModel fm = new FittedModel(flow, train.columnNames(), null, null, Map.of());
      Path file = dir.resolve("p.flows4j");
      fm.save(file);
      FittedModel back = FittedModel.load(file);
      Tensor y = test.slice(0, 5).toTensor();
      Dequantization.addFixed(y, 64);
      assertThat(back.logProb(y).toArray()).containsExactly(fm.logProb(y).toArray());
      Tensor yy = back.decode(back.encode(y));
      for (int i = 0; i < y.size(); i++) {
        assertThat((double) yy.getFlat(i)).isCloseTo(y.getFlat(i), within(0.05));
      }
    }
  }

  @Test
  @DisplayName(
      "class-conditional Glow: couplings and bases take the label; saved and loaded (seed 14)")
  void conditionalGlow() throws IOException {
    int classes = 4;
    MultiScale ms = ImageFlows.glowTransform(2, 2, 8, 1, 8, 8, classes, 14);
    assertThat(ms.contextFeatures()).isEqualTo(classes);
    ConditionalFlow flow = ImageFlows.conditionalFlow(ms, false, classes, 14);
    Dataset train = squares(256, 14);
    Trainer.train(
        BatchDensity.dequantized(BatchDensity.of(flow, 64), 14),
        withOneHot(train, classes, 0, 64),
        withOneHot(train, classes, 0, 64).slice(0, 0),
        TrainingConfig.benchmark(40, 32),
        null);
    List<String> labels = List.of("0", "1", "2", "3");
    ContextEncoding enc =
        new ContextEncoding(List.of(new ContextEncoding.Column("label", labels, 0, 1)));
    FittedModel fm = new FittedModel(flow, train.columnNames(), enc, null, null, Map.of());
    Path file = dir.resolve("cg.flows4j");
    fm.save(file);
    FittedModel back = FittedModel.load(file);
    Tensor y = train.slice(0, 4).toTensor();
    Dequantization.addFixed(y, 64);
    Dataset yd = Dataset.fromTensor(y, train.columnNames());
    Map<String, String[]> ctx = Map.of("label", new String[] {"0", "1", "2", "3"});
    assertThat(back.logProb(yd, ctx)).containsExactly(fm.logProb(yd, ctx));
  }

  private static Tensor oneHot(int k, int classes) {
    Tensor t = Tensor.zeros(1, classes);
    t.setFlat(k, 1f);
    return t;
  }

  /** Rows {@code [pixels | one-hot(label + shift)]}. */
  private static Dataset withOneHot(Dataset d, int classes, int shift) {
    return withOneHot(d, classes, shift, D);
  }

  private static Dataset withOneHot(Dataset d, int classes, int shift, int dims) {
    float[][] rows = new float[d.rows()][];
    for (int i = 0; i < d.rows(); i++) {
      float[] r = java.util.Arrays.copyOf(d.row(i), dims + classes);
      r[dims + (d.label(i) + shift) % classes] = 1f;
      rows[i] = r;
    }
    return Dataset.of(rows);
  }
}
