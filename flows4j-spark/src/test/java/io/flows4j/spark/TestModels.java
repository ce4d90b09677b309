package io.flows4j.spark;

import io.flows4j.data.Dataset;
import io.flows4j.flows.Presets;
import io.flows4j.model.FittedModel;
import io.flows4j.training.TrainingConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/** Small models and data for the Spark tests, trained a few steps so that no layer is identity. */
final class TestModels {
  static final List<String> COLUMNS = List.of("x", "y", "z");

  private TestModels() {}

  /** {@code n} rows of a correlated 3-D Gaussian with a non-zero mean. */
  static Dataset data(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[n * 3];
    for (int i = 0; i < n; i++) {
      double a = gauss(r);
      double b = gauss(r);
      v[3 * i] = (float) (1 + a);
      v[3 * i + 1] = (float) (0.5 * a + 0.3 * b * b - 2);
      v[3 * i + 2] = (float) (Math.sin(a) + 0.2 * gauss(r));
    }
    return Dataset.of(COLUMNS, v);
  }

  static double gauss(SplittableRandom r) {
    double u = r.nextDouble();
    double w = r.nextDouble();
    return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * w);
  }

  static TrainingConfig quick(int steps) {
    return TrainingConfig.defaults().withSteps(steps).withBatchSize(64).withSeed(3);
  }

  /** A flow of preset {@code name} fitted for 40 steps. */
  static FittedModel fitted(String name) {
    return FittedModel.fit(
        Presets.flow(name, 3, 2, new int[] {16}, 7), data(512, 11), null, true, quick(40), null);
  }

  /** Labels "a"/"b" per row of {@link #data}: the sign of the first feature's deviation. */
  static String[] labels(Dataset d) {
    String[] out = new String[d.rows()];
    for (int i = 0; i < out.length; i++) {
      out[i] = d.get(i, 0) > 1 ? "a" : "b";
    }
    return out;
  }

  /** A class-conditional MAF over {@link #data} with the label column {@code kind}. */
  static FittedModel conditional() {
    Dataset d = data(512, 11);
    Map<String, String[]> ctx = new HashMap<>();
    ctx.put("kind", labels(d));
    return FittedModel.fitConditional(
        Presets.conditionalFlow("maf", 3, 2, 2, new int[] {16}, 7),
        d,
        ctx,
        Set.of("kind"),
        true,
        quick(40),
        null);
  }

  static List<Object[]> rows(Dataset d) {
    List<Object[]> out = new ArrayList<>();
    for (int i = 0; i < d.rows(); i++) {
      out.add(new Object[] {(double) d.get(i, 0), (double) d.get(i, 1), (double) d.get(i, 2)});
    }
    return out;
  }
}
