package io.flows4j.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.ElementwiseAffine;
import io.flows4j.bijectors.Spec;
import io.flows4j.bijectors.Transformed;
import io.flows4j.data.Dataset;
import io.flows4j.flows.Flow;
import io.flows4j.io.Json;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class TrainerTest {
  private static final double[] MEAN = {1.0, -2.0, 0.5};
  private static final double[] STD = {0.5, 2.0, 1.0};

  /**
   * How close a converged diagonal Gaussian must come to the closed-form maximum-likelihood fit of
   * its training rows, relative to each column's spread (measured: about 1e-4 after 3,000 steps
   * with cosine annealing). The fit's own sampling error is {@code 1/sqrt(4000) = 0.016}, so this
   * separates "found this sample's optimum" from "found roughly the truth".
   */
  private static final double ML_TOL = 1e-3;

  /** Relative tolerance of fits to noisy rows (see {@link #inputNoiseConvolves}). */
  private static final double NOISE_TOL = 0.01;

  private static TrainingConfig plain(int steps) {
    return TrainingConfig.defaults()
        .withSteps(steps)
        .withValidation(0, 0)
        .withInputNoise(0)
        .withLearningRate(1e-2);
  }

  @Test
  @DisplayName("a diagonal Gaussian converges to the data's mean and std (seed 11)")
  void convergesToMaximumLikelihood() {
    Dataset data = TestFlows.gaussian(4000, MEAN, STD, 11);
    Flow flow = TestFlows.diagonalGaussian(3);
    TrainingResult r = Trainer.train(flow, data, plain(3000));

    double[] m = TestFlows.mean(data);
    double[] s = TestFlows.std(data);
    double[] fm = TestFlows.modelMean(flow);
    double[] fs = TestFlows.modelStd(flow);
    for (int j = 0; j < 3; j++) {
      assertThat(fm[j]).as("mean of column %d", j).isCloseTo(m[j], within(ML_TOL * s[j]));
      assertThat(fs[j] / s[j]).as("std of column %d", j).isCloseTo(1.0, within(ML_TOL));
    }
    assertThat(r.stepsRun()).isEqualTo(3000);
    assertThat(r.stopReason()).isEqualTo(TrainingResult.StopReason.COMPLETED);
    assertThat(r.validationRows()).isZero();
    assertThat(r.bestStep()).isZero();
    assertThat(r.bestValidationNll()).isNaN();
    // The mean NLL of the ML fit is the Gaussian entropy of the sample's own std; parameters off
    // by ML_TOL add at most (1/2) sum_j (ML_TOL^2 + 2 ML_TOL^2) = 4.5 ML_TOL^2 for 3 columns.
    assertThat(Trainer.meanNll(flow, data))
        .isCloseTo(TestFlows.gaussianEntropy(s), within(5 * ML_TOL * ML_TOL));
  }

  @Test
  @DisplayName("input noise widens the fit to std sqrt(1 + noise^2), as convolution does (seed 15)")
  void inputNoiseConvolves() {
    Dataset data = TestFlows.gaussian(4000, MEAN, STD, 15);
    Flow flow = TestFlows.diagonalGaussian(3);
    double noise = 0.5;
    Trainer.train(flow, data, plain(3000).withInputNoise(noise));
    double[] m = TestFlows.mean(data);
    double[] s = TestFlows.std(data);
    double[] fm = TestFlows.modelMean(flow);
    double[] fs = TestFlows.modelStd(flow);
    for (int j = 0; j < 3; j++) {
      // The noise of column j has standard deviation noise * s_j.
      double widened = s[j] * Math.sqrt(1 + noise * noise);
      // 768,000 noisy rows pin the std down to about 0.1%; the mean moves by noise / sqrt(768000).
      assertThat(fs[j] / widened).as("std of column %d", j).isCloseTo(1.0, within(NOISE_TOL));
      assertThat(fm[j]).as("mean of column %d", j).isCloseTo(m[j], within(NOISE_TOL * widened));
    }
  }

  @Test
  @DisplayName("the same seed gives bit-identical parameters, another seed different ones (seed 5)")
  void seededRunsAreReproducible() {
    Dataset data = TestFlows.gaussian(1000, MEAN, STD, 5);
    TrainingConfig c = TrainingConfig.defaults().withSteps(200).withSeed(5).withInputNoise(0.1);
    Flow a = TestFlows.diagonalGaussian(3);
    Flow b = TestFlows.diagonalGaussian(3);
    Flow other = TestFlows.diagonalGaussian(3);
    Trainer.train(a, data, c);
    Trainer.train(b, data, c);
    Trainer.train(other, data, c.withSeed(6));
    for (String k : a.stateDict().keySet()) {
      assertThat(b.stateDict().get(k).toArray()).as(k).isEqualTo(a.stateDict().get(k).toArray());
    }
    assertThat(other.stateDict().get("transform.0.shift").toArray())
        .isNotEqualTo(a.stateDict().get("transform.0.shift").toArray());
  }

  @Test
  @DisplayName("both sampling schemes and AdamW with decay train (seed 8)")
  void samplingSchemesAndOptimizers() {
    Dataset data = TestFlows.gaussian(2000, MEAN, STD, 8);
    double entropy = TestFlows.gaussianEntropy(TestFlows.std(data));
    for (TrainingConfig c :
        List.of(
            plain(1500).withSampling(TrainingConfig.Sampling.WITH_REPLACEMENT),
            plain(1500).withSampling(TrainingConfig.Sampling.SHUFFLED_EPOCHS),
            plain(1500)
                .withOptimizer(TrainingConfig.OptimizerKind.ADAMW, 1e-4)
                .withSchedule(TrainingConfig.ScheduleKind.CONSTANT, 100),
            plain(1500).withEpochs(200).withMaxGradNorm(0))) {
      Flow flow = TestFlows.diagonalGaussian(3);
      Trainer.train(flow, data, c);
      // 0.01 nats above the optimum: a constant rate of 1e-2 leaves some noise in the parameters.
      assertThat(Trainer.meanNll(flow, data)).as(c.toString()).isLessThan(entropy + 0.01);
    }
  }

  @Test
  @DisplayName("epochs give ceil(epochs N / batch) steps and the batch is capped at N (seed 3)")
  void epochsAndSmallData() {
    Dataset data = TestFlows.gaussian(100, MEAN, STD, 3);
    TrainingResult r =
        Trainer.train(
            TestFlows.diagonalGaussian(3),
            data,
            TrainingConfig.defaults().withEpochs(7).withBatchSize(32).withValidation(0, 0));
    assertThat(r.totalSteps()).isEqualTo((7 * 100 + 31) / 32);
    assertThat(r.stepsRun()).isEqualTo(r.totalSteps());
    assertThat(r.epochsRun()).isCloseTo(22 * 32 / 100.0, within(1e-12));

    TrainingResult big =
        Trainer.train(TestFlows.diagonalGaussian(3), data, TrainingConfig.defaults().withSteps(10));
    // 20 rows held out (a fifth of 100 beats 10%); the batch of 256 is capped at the 80 others.
    assertThat(big.validationRows()).isEqualTo(20);
    assertThat(big.trainRows()).isEqualTo(80);
    assertThat(big.batchSize()).isEqualTo(80);
  }

  @Test
  @DisplayName("validation that disagrees with training stops early and restores the best (seed 4)")
  void earlyStoppingRestoresBest() {
    // The model starts at N(0, 1) and moves towards the training mean 3; the validation rows sit at
    // 1, so the validation NLL is best on the way and worse after.
    Dataset train = TestFlows.gaussian(2000, new double[] {3}, new double[] {1}, 4);
    Dataset validation = TestFlows.gaussian(500, new double[] {1}, new double[] {1}, 40);
    Flow flow = TestFlows.diagonalGaussian(1);
    TrainingConfig c =
        TrainingConfig.defaults()
            .withSteps(5000)
            .withLearningRate(1e-2)
            .withBatchSize(64)
            .withSchedule(TrainingConfig.ScheduleKind.CONSTANT, 0)
            .withEarlyStopping(20, 100, true);
    List<TrainingListener.Progress> seen = new ArrayList<>();
    TrainingResult r =
        Trainer.train(
            flow,
            train,
            validation,
            c,
            new TrainingListener() {
              @Override
              public void onStep(Progress p) {
                seen.add(p);
              }
            });
    assertThat(r.stopReason()).isEqualTo(TrainingResult.StopReason.EARLY_STOPPED);
    assertThat(r.stepsRun()).isEqualTo(r.bestStep() + 100);
    assertThat(r.restoredBest()).isTrue();
    assertThat(Trainer.meanNll(flow, validation)).isEqualTo(r.bestValidationNll());
    double bestInHistory =
        r.history().stream()
            .mapToDouble(TrainingResult.HistoryEntry::validationNll)
            .min()
            .orElseThrow();
    assertThat(r.bestValidationNll()).isEqualTo(bestInHistory);
    assertThat(TestFlows.modelMean(flow)[0]).isBetween(0.5, 2.0);
    assertThat(seen).hasSize(r.stepsRun());
    assertThat(seen.get(19).evaluated()).isTrue();
    assertThat(seen.get(18).evaluated()).isFalse();
    assertThat(seen.get(18).validationNll()).isNaN();
    assertThat(seen.get(seen.size() - 1).bestValidationNll()).isEqualTo(r.bestValidationNll());
  }

  @Test
  @DisplayName("small data sets are evaluated at least once per epoch (seed 14)")
  void evaluatedEveryEpoch() {
    TrainingConfig c = TrainingConfig.defaults();
    assertThat(Trainer.evaluationInterval(c, 160)).isEqualTo(1);
    assertThat(Trainer.evaluationInterval(c, 2000)).isEqualTo(8);
    assertThat(Trainer.evaluationInterval(c, 25600)).isEqualTo(100);
    assertThat(Trainer.evaluationInterval(c.withBatchSize(64), 1000)).isEqualTo(16);
    Dataset data = TestFlows.gaussian(200, MEAN, STD, 14);
    TrainingResult r =
        Trainer.train(
            TestFlows.diagonalGaussian(3),
            data,
            c.withSteps(30).withBatchSize(64).withEarlyStopping(100, 0, true));
    // 160 training rows in batches of 64: 3 steps per epoch.
    assertThat(r.history()).extracting(TrainingResult.HistoryEntry::step).startsWith(3, 6, 9);
    assertThat(r.history()).hasSize(10);
  }

  @Test
  @DisplayName("the listener sees every step, the result records timings and the curve (seed 9)")
  void listenerAndResult() {
    Dataset data = TestFlows.gaussian(1000, MEAN, STD, 9);
    List<TrainingListener.Progress> seen = new ArrayList<>();
    int[] starts = new int[1];
    List<TrainingResult> finished = new ArrayList<>();
    TrainingResult r =
        Trainer.train(
            TestFlows.diagonalGaussian(3),
            data,
            null,
            TrainingConfig.defaults()
                .withSteps(250)
                .withBatchSize(8)
                .withEarlyStopping(100, 0, true),
            new TrainingListener() {
              @Override
              public void onStart(int totalSteps, int trainRows, int validationRows) {
                starts[0] = totalSteps;
                assertThat(trainRows + validationRows).isEqualTo(1000);
              }

              @Override
              public void onStep(Progress p) {
                seen.add(p);
              }

              @Override
              public void onFinish(TrainingResult result) {
                finished.add(result);
              }
            });
    assertThat(starts[0]).isEqualTo(250);
    assertThat(finished).containsExactly(r);
    assertThat(seen).extracting(TrainingListener.Progress::step).startsWith(1, 2, 3).endsWith(250);
    TrainingListener.Progress last = seen.get(249);
    assertThat(last.etaSeconds()).isZero();
    assertThat(last.stepsPerSecond()).isPositive();
    assertThat(last.gradNorm()).isPositive();
    assertThat(r.history())
        .extracting(TrainingResult.HistoryEntry::step)
        .containsExactly(100, 200, 250);
    assertThat(r.history()).allSatisfy(e -> assertThat(e.validationNll()).isFinite());
    assertThat(r.secPerStepMedian()).isPositive();
    assertThat(r.trainSeconds()).isGreaterThanOrEqualTo(r.secPerStepMedian() * 250 / 2);
    assertThat(r.validationRows()).isEqualTo(100);
  }

  @Test
  @DisplayName("an interrupt ends the run after the step under way")
  void interruptStops() {
    Dataset data = TestFlows.gaussian(500, MEAN, STD, 2);
    try {
      TrainingResult r =
          Trainer.train(
              TestFlows.diagonalGaussian(3),
              data,
              null,
              TrainingConfig.defaults().withSteps(1000),
              new TrainingListener() {
                @Override
                public void onStep(Progress p) {
                  if (p.step() == 7) {
                    Thread.currentThread().interrupt();
                  }
                }
              });
      assertThat(r.stopReason()).isEqualTo(TrainingResult.StopReason.INTERRUPTED);
      assertThat(r.stepsRun()).isEqualTo(7);
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  @DisplayName("an overflowing loss stops at step 1 naming the parameter; weights are untouched")
  void overflowStopsWithName() {
    Dataset data =
        Dataset.of(List.of("a", "b"), new float[][] {{1e30f, 1f}, {2e30f, 2f}, {-1e30f, 0f}});
    Flow flow = TestFlows.diagonalGaussian(2);
    Map<String, Tensor> before = flow.stateDict();
    assertThatThrownBy(() -> Trainer.train(flow, data, TrainingConfig.defaults().withSteps(10)))
        .isInstanceOf(NonFiniteTrainingException.class)
        .hasMessageStartingWith(
            "Trainer: step 1 of 10: loss is Infinity; first non-finite"
                + " gradient of transform.0.logScale [2] is ")
        .hasMessageContaining("the parameters were left as they were before training")
        .satisfies(
            e -> {
              NonFiniteTrainingException n = (NonFiniteTrainingException) e;
              assertThat(n.step()).isEqualTo(1);
              assertThat(n.result().stopReason()).isEqualTo(TrainingResult.StopReason.NON_FINITE);
              assertThat(n.result().stepsRun()).isZero();
            });
    for (String k : before.keySet()) {
      assertThat(flow.stateDict().get(k).toArray()).isEqualTo(before.get(k).toArray());
    }
  }

  @Test
  @DisplayName("a NaN at step 6 names the step and the parameter; the model keeps step 5 (seed 6)")
  void nanStopsAtLastGoodState() {
    Dataset data = TestFlows.gaussian(300, MEAN, STD, 6);
    Flow flow = TestFlows.flow(3, new ElementwiseAffine(3), new PoisonAt(6));
    List<Map<String, Tensor>> atStep5 = new ArrayList<>();
    TrainingConfig c = TrainingConfig.defaults().withSteps(100).withValidation(0, 0);
    assertThatThrownBy(
            () ->
                Trainer.train(
                    flow,
                    data,
                    null,
                    c,
                    new TrainingListener() {
                      @Override
                      public void onStep(Progress p) {
                        if (p.step() == 5) {
                          atStep5.add(flow.stateDict());
                        }
                      }
                    }))
        .isInstanceOf(NonFiniteTrainingException.class)
        .hasMessage(
            "Trainer: step 6 of 100: loss is NaN; first non-finite gradient of transform.1.weight"
                + " [1] is NaN at [0]; the parameters of step 5 were kept (try a lower learning"
                + " rate, gradient clipping or standardized data)");
    for (String k : atStep5.get(0).keySet()) {
      assertThat(flow.stateDict().get(k).toArray()).isEqualTo(atStep5.get(0).get(k).toArray());
    }
  }

  @Test
  @DisplayName("a NaN after an evaluation restores the best evaluated parameters (seed 7)")
  void nanRestoresBest() {
    Dataset data = TestFlows.gaussian(300, MEAN, STD, 7);
    Flow flow = TestFlows.flow(3, new ElementwiseAffine(3), new PoisonAt(26));
    TrainingConfig c =
        TrainingConfig.defaults().withSteps(100).withBatchSize(16).withEarlyStopping(10, 0, true);
    assertThatThrownBy(() -> Trainer.train(flow, data, c))
        .isInstanceOf(NonFiniteTrainingException.class)
        .hasMessageContaining("step 26 of 100: loss is NaN")
        .hasMessageContaining("the parameters of the best evaluation (step 20, validation NLL")
        .satisfies(
            e -> {
              TrainingResult r = ((NonFiniteTrainingException) e).result();
              assertThat(r.restoredBest()).isTrue();
              assertThat(r.bestStep()).isEqualTo(20);
              assertThat(r.stepsRun()).isEqualTo(25);
              assertThat(r.history()).hasSize(2);
              Dataset validation = Trainer.split(data, c).validation();
              assertThat(Trainer.meanNll(flow, validation)).isEqualTo(r.bestValidationNll());
            });
  }

  @Test
  @DisplayName("data that does not fit the flow is refused with both shapes")
  void wrongColumns() {
    Dataset data = TestFlows.gaussian(50, MEAN, STD, 1);
    assertThatThrownBy(
            () ->
                Trainer.train(
                    TestFlows.diagonalGaussian(2), data, TrainingConfig.defaults().withSteps(1)))
        .hasMessageContaining("Trainer: the flow does not fit data with 3 columns (x0, x1, x2)");
    Dataset v2 = TestFlows.gaussian(50, new double[] {0, 0}, new double[] {1, 1}, 1);
    assertThatThrownBy(
            () ->
                Trainer.train(
                    TestFlows.diagonalGaussian(3),
                    data,
                    v2,
                    TrainingConfig.defaults().withSteps(1),
                    null))
        .hasMessage("Trainer: validation data must have the training data's 3 columns, but has 2");
  }

  @Test
  @DisplayName("the validation split is seeded, disjoint and exhaustive")
  void split() {
    Dataset data = TestFlows.gaussian(1000, MEAN, STD, 12);
    Dataset.Split a = Trainer.split(data, TrainingConfig.defaults());
    Dataset.Split b = Trainer.split(data, TrainingConfig.defaults());
    Dataset.Split c = Trainer.split(data, TrainingConfig.defaults().withSeed(1));
    assertThat(a.validation().rows()).isEqualTo(100);
    assertThat(a.train().rows()).isEqualTo(900);
    assertThat(a.validation().toTensor().toArray()).isEqualTo(b.validation().toTensor().toArray());
    assertThat(a.validation().toTensor().toArray())
        .isNotEqualTo(c.validation().toTensor().toArray());
    assertThat(
            Trainer.split(data, TrainingConfig.defaults().withValidation(0, 0)).validation().rows())
        .isZero();
  }

  @Test
  @DisplayName("a step allocates far less than a copy of its batch (seed 13)")
  void noBatchSizedAllocationPerStep() {
    // A large batch makes any per-step copy of the batch (or of the data) stand out: one copy is
    // 4096 x 8 floats = 128 KiB, while the tape's bookkeeping is a few KiB.
    int d = 8;
    Dataset data = TestFlows.gaussian(8192, new double[d], ones(d), 13);
    TrainingConfig c =
        TrainingConfig.defaults().withBatchSize(4096).withValidation(0, 0).withSteps(50);
    Trainer.train(TestFlows.diagonalGaussian(d), data, c);
    long shortRun = allocatedBy(() -> Trainer.train(TestFlows.diagonalGaussian(d), data, c));
    long longRun =
        allocatedBy(() -> Trainer.train(TestFlows.diagonalGaussian(d), data, c.withSteps(250)));
    // The difference of the two runs leaves out the set-up (sampler, buffers, per-run arrays).
    long perStep = (longRun - shortRun) / 200;
    assertThat(perStep).isLessThan(4096L * d * 4);
  }

  private static long allocatedBy(Runnable r) {
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long before = mx.getCurrentThreadAllocatedBytes();
    r.run();
    return mx.getCurrentThreadAllocatedBytes() - before;
  }

  private static double[] ones(int d) {
    double[] o = new double[d];
    java.util.Arrays.fill(o, 1);
    return o;
  }

  /**
   * The identity with a log-det {@code w * c} whose constant {@code c} turns NaN on the given call
   * of {@code forward}, so that the loss and the gradient of {@code weight} become NaN there.
   */
  static final class PoisonAt extends Module implements Bijector {
    private final int call;
    private final Parameter weight = registerParameter("weight", Tensor.zeros(1));
    private int calls;

    PoisonAt(int call) {
      this.call = call;
    }

    @Override
    public Transformed forward(Var x) {
      boolean recording = io.flows4j.autodiff.Tape.isRecording();
      if (recording) {
        calls++;
      }
      float c = recording && calls == call ? Float.NaN : 0f;
      Var ld = ArithmeticOps.mul(weight.var(), Var.constant(Tensor.of(new float[] {c}, 1)));
      int b = x.shape().batch();
      return new Transformed(x, ArithmeticOps.add(Var.constant(Tensor.zeros(b)), ld));
    }

    @Override
    public Transformed inverse(Var z) {
      int b = z.shape().batch();
      return new Transformed(z, Var.constant(Tensor.zeros(b)));
    }

    @Override
    public Json.Obj spec() {
      return Spec.of("poison").build();
    }
  }
}
