package io.flows4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.bijectors.Bijectors;
import io.flows4j.bijectors.ElementwiseAffine;
import io.flows4j.bijectors.Standardization;
import io.flows4j.data.Dataset;
import io.flows4j.distributions.StandardNormal;
import io.flows4j.flows.Flow;
import io.flows4j.tensor.NonFiniteException;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import io.flows4j.training.TrainingConfig;
import io.flows4j.training.TrainingResult;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class FittedModelTest {
  /**
   * Tolerance of float32 log-densities against a double reference, per unit of magnitude: a few
   * roundings of values up to about 10.
   */
  private static final double LOG_PROB_TOL = 1e-5;

  private static final double[] S = {0.3, -0.7};
  private static final double[] T = {0.5, -1.25};
  private static final double[] MEAN = {10, -3};
  private static final double[] STD = {4, 0.25};

  /** A model with known parameters: standardize, then {@code z = u exp(s) + t}. */
  private static FittedModel known() {
    ElementwiseAffine a = new ElementwiseAffine(2);
    for (int j = 0; j < 2; j++) {
      a.namedParameters().get("logScale").value().setFlat(j, (float) S[j]);
      a.namedParameters().get("shift").value().setFlat(j, (float) T[j]);
    }
    Flow flow = new Flow(Bijectors.chain(new Standardization(MEAN, STD), a), new StandardNormal(2));
    return new FittedModel(flow, List.of("a", "b"), null, null, Map.of());
  }

  /** The model's log-density in double, written out from the formulas. */
  private static double reference(double x0, double x1) {
    double[] x = {x0, x1};
    double lp = 0;
    for (int j = 0; j < 2; j++) {
      double u = (x[j] - MEAN[j]) / STD[j];
      double z = u * Math.exp(S[j]) + T[j];
      lp += -0.5 * z * z - 0.5 * Math.log(2 * Math.PI) + S[j] - Math.log(STD[j]);
    }
    return lp;
  }

  private static Dataset points(long seed, int n, List<String> names) {
    Rng rng = new Rng(seed);
    float[] v = new float[n * names.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (rng.nextGaussian() * 3 + (i % 2 == 0 ? 10 : -3));
    }
    return Dataset.of(names, v);
  }

  @Test
  @DisplayName("log-densities of raw data include the standardization (seed 1)")
  void logProbInDataUnits() {
    FittedModel m = known();
    Dataset data = points(1, 300, List.of("a", "b"));
    float[] lp = m.logProb(data);
    for (int i = 0; i < data.rows(); i++) {
      double ref = reference(data.get(i, 0), data.get(i, 1));
      assertThat((double) lp[i]).isCloseTo(ref, within(LOG_PROB_TOL * (1 + Math.abs(ref))));
    }
    assertThat(m.logProb(data.toTensor()).toArray()).isEqualTo(lp);
    FittedModel.Evaluation e = m.evaluate(data);
    double mean = 0;
    for (float v : lp) {
      mean -= v;
    }
    mean /= lp.length;
    assertThat(e.rows()).isEqualTo(300);
    assertThat(e.meanNll()).isCloseTo(mean, within(1e-12));
    assertThat(e.bitsPerDim()).isCloseTo(mean / (2 * Math.log(2)), within(1e-12));
  }

  @Test
  @DisplayName("columns are matched by name, or by position when no name is shared (seed 2)")
  void columnMatching() {
    FittedModel m = known();
    Dataset data = points(2, 20, List.of("a", "b"));
    float[] expected = m.logProb(data);
    float[] v = new float[20 * 3];
    for (int i = 0; i < 20; i++) {
      v[i * 3] = data.get(i, 1);
      v[i * 3 + 1] = 99;
      v[i * 3 + 2] = data.get(i, 0);
    }
    Dataset reordered = Dataset.of(List.of("b", "extra", "a"), v);
    assertThat(m.logProb(reordered)).isEqualTo(expected);
    assertThat(m.logProb(data.withColumnNames(List.of("x0", "x1")))).isEqualTo(expected);
    assertThatThrownBy(() -> m.logProb(data.withColumnNames(List.of("a", "c"))))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage(
            "FittedModel.logProb: the data lacks the model's column(s) b; its columns are a, c,"
                + " the model's a, b");
    assertThatThrownBy(() -> m.logProb(points(3, 5, List.of("p", "q", "r"))))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage(
            "FittedModel.logProb: the data has 3 columns (p, q, r), but the model was trained on 2"
                + " (a, b)");
    assertThatThrownBy(() -> m.logProb(Tensor.zeros(4, 3)))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage(
            "FittedModel.logProb: input must have shape [batch, 2] (columns a, b), but was [4, 3]");
  }

  @Test
  @DisplayName("samples: seeded, chunk-independent, with log-densities from the same pass (seed 4)")
  void sampling() {
    FittedModel m = known();
    int n = FittedModel.CHUNK_ROWS + 904;
    FittedModel.Samples s = m.sampleWithLogProb(n, 4, 1.0);
    assertThat(s.values().rows()).isEqualTo(n);
    assertThat(s.values().columnNames()).containsExactly("a", "b");
    float[] again = m.logProb(s.values());
    for (int i = 0; i < n; i++) {
      assertThat((double) s.logProb()[i])
          .isCloseTo(again[i], within(LOG_PROB_TOL * (1 + Math.abs(again[i]))));
    }
    Dataset plain = m.sample(n, 4, 1.0);
    assertThat(plain.toTensor().toArray()).isEqualTo(s.values().toTensor().toArray());
    Dataset prefix = m.sample(100, 4, 1.0);
    assertThat(prefix.toTensor().toArray())
        .isEqualTo(s.values().slice(0, 100).toTensor().toArray());
    assertThat(m.sample(100, 5, 1.0).toTensor().toArray())
        .isNotEqualTo(prefix.toTensor().toArray());
    assertThat(m.sample(0, 4, 1.0).rows()).isZero();
  }

  @Test
  @DisplayName("the temperature scales the spread of samples around the mode (seed 6)")
  void temperature() {
    FittedModel m = known();
    int n = 20000;
    Dataset hot = m.sample(n, 6, 1.0);
    Dataset cold = m.sample(n, 6, 0.5);
    for (int j = 0; j < 2; j++) {
      // The model's std of column j is std_j exp(-s_j); sample stds of 20,000 rows are within 1%.
      double sd = STD[j] * Math.exp(-S[j]);
      assertThat(stdOf(hot.column(j)) / sd).isCloseTo(1.0, within(0.02));
      assertThat(stdOf(cold.column(j)) / sd).isCloseTo(0.5, within(0.01));
    }
    assertThatThrownBy(() -> m.sample(10, 6, 0))
        .hasMessage("FittedModel.sample: temperature must be finite and > 0, but was 0.0");
    assertThatThrownBy(() -> m.sample(10, 6, 1e38))
        .isInstanceOf(NonFiniteException.class)
        .hasMessageContaining("after sampling at temperature 1.0E38 (the flow overflowed");
  }

  @Test
  @DisplayName("encode and decode are inverse, in data units (seed 7)")
  void encodeDecode() {
    FittedModel m = known();
    Dataset data = points(7, 50, List.of("a", "b"));
    Dataset z = m.encode(data);
    assertThat(z.columnNames()).containsExactly("z0", "z1");
    for (int i = 0; i < 50; i++) {
      for (int j = 0; j < 2; j++) {
        double u = (data.get(i, j) - MEAN[j]) / STD[j];
        assertThat((double) z.get(i, j)).isCloseTo(u * Math.exp(S[j]) + T[j], within(1e-5));
      }
    }
    Dataset back = m.decode(z);
    assertThat(back.columnNames()).containsExactly("a", "b");
    for (int i = 0; i < 50; i++) {
      for (int j = 0; j < 2; j++) {
        assertThat(back.get(i, j)).isCloseTo(data.get(i, j), within(1e-5f * 20));
      }
    }
    assertThatThrownBy(() -> m.decode(points(1, 3, List.of("p", "q", "r"))))
        .hasMessage("FittedModel.decode: the latent data must have 2 columns, but has 3");
  }

  @Test
  @DisplayName("fit: standardized data far from the origin reaches the entropy bound (seed 8)")
  void fitReachesKnownOptimum() {
    // Independent normals with means near 1000 and spreads from 0.01 to 100: hopeless for a flow
    // at N(0, 1) with a learning rate of 1e-3 unless the data is standardized.
    double[] mean = {1000, -50, 3, 0};
    double[] std = {0.01, 100, 1, 5};
    Dataset train = gaussian(10000, mean, std, 8);
    Dataset test = gaussian(20000, mean, std, 80);
    Flow flow =
        new Flow(
            Bijectors.chain(new ElementwiseAffine(4), new ElementwiseAffine(4)),
            new StandardNormal(4));
    FittedModel m = FittedModel.fit(flow, train, null, true, TrainingConfig.defaults(), null);
    double entropy = 0.5 * 4 * Math.log(2 * Math.PI * Math.E);
    for (double s : std) {
      entropy += Math.log(s);
    }
    // The test NLL of the true density has mean `entropy` and standard error sqrt(D/2 / 20000) =
    // 0.01; a fit from 9,000 rows adds about D / (2 N) = 2e-4 in expectation.
    double nll = m.evaluate(test).meanNll();
    assertThat(nll).isLessThan(entropy + 0.04).isGreaterThan(entropy - 0.04);
    TrainingResult r = m.trainingResult().orElseThrow();
    assertThat(r.validationRows()).isEqualTo(1000);
    assertThat(r.bestValidationNll()).isCloseTo(entropy, within(0.15));
  }

  @Test
  @DisplayName("fit reports validation NLLs of the raw data, as evaluate does (seed 9)")
  void fitReportsRawUnits() {
    double[] mean = {5, -5};
    double[] std = {3, 0.1};
    Dataset train = gaussian(2000, mean, std, 9);
    Dataset validation = gaussian(500, mean, std, 90);
    Flow flow = new Flow(Bijectors.chain(new ElementwiseAffine(2)), new StandardNormal(2));
    double[] seen = {Double.NaN};
    FittedModel m =
        FittedModel.fit(
            flow,
            train,
            validation,
            true,
            TrainingConfig.defaults().withSteps(300).withEarlyStopping(50, 0, true),
            new io.flows4j.training.TrainingListener() {
              @Override
              public void onStep(Progress p) {
                seen[0] = p.bestValidationNll();
              }
            });
    TrainingResult r = m.trainingResult().orElseThrow();
    double evaluated = m.evaluate(validation).meanNll();
    // The standardization is the flow's first layer, so the trainer's validation NLL is already a
    // figure of the raw data; it evaluates in chunks of another size, so the two agree to float
    // rounding.
    assertThat(r.bestValidationNll()).isCloseTo(evaluated, within(1e-5));
    assertThat(seen[0]).isEqualTo(r.bestValidationNll());
    assertThat(r.history().get(r.history().size() - 1).trainLoss())
        .isCloseTo(evaluated, within(0.2));
    assertThat(m.standardization()).isPresent();
  }

  private static Dataset gaussian(int n, double[] mean, double[] std, long seed) {
    Rng rng = new Rng(seed);
    int d = mean.length;
    float[] v = new float[n * d];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        v[i * d + j] = (float) (mean[j] + std[j] * rng.nextGaussian());
      }
    }
    return Dataset.of(Dataset.defaultColumnNames(d), v);
  }

  private static double stdOf(float[] v) {
    double m = 0;
    for (float x : v) {
      m += x;
    }
    m /= v.length;
    double s = 0;
    for (float x : v) {
      s += (x - m) * (x - m);
    }
    return Math.sqrt(s / v.length);
  }
}
