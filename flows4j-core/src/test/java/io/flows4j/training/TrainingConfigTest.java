package io.flows4j.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.io.Json;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class TrainingConfigTest {
  private static final TrainingConfig D = TrainingConfig.defaults();

  @Test
  @DisplayName("the defaults are the documented ones")
  void defaults() {
    assertThat(D.steps()).isEqualTo(5000);
    assertThat(D.epochs()).isZero();
    assertThat(D.batchSize()).isEqualTo(256);
    assertThat(D.learningRate()).isEqualTo(1e-3);
    assertThat(D.optimizer()).isEqualTo(TrainingConfig.OptimizerKind.ADAM);
    assertThat(D.schedule()).isEqualTo(TrainingConfig.ScheduleKind.COSINE);
    assertThat(D.maxGradNorm()).isEqualTo(5.0);
    assertThat(D.validationFraction()).isEqualTo(0.1);
    assertThat(D.patienceSteps()).isEqualTo(1000);
    assertThat(D.restoreBest()).isTrue();
    assertThat(D.sampling()).isEqualTo(TrainingConfig.Sampling.SHUFFLED_EPOCHS);
    assertThat(D.inputNoise()).isEqualTo(TrainingConfig.INPUT_NOISE_AUTO);
    assertThat(D.toJson().write()).contains("\"input_noise\":\"auto\"");
  }

  @Test
  @DisplayName("automatic input noise: min(0.2, 2.5 / sqrt(N))")
  void autoNoise() {
    assertThat(Trainer.autoInputNoise(100)).isEqualTo(0.2);
    assertThat(Trainer.autoInputNoise(156)).isEqualTo(0.2);
    assertThat(Trainer.autoInputNoise(160)).isCloseTo(0.198, within(1e-3));
    assertThat(Trainer.autoInputNoise(2500)).isEqualTo(0.05);
    assertThat(Trainer.autoInputNoise(45000)).isCloseTo(2.5 / Math.sqrt(45000), within(1e-15));
  }

  @Test
  @DisplayName("the benchmark preset is the plain protocol of BENCHMARKS.md")
  void benchmark() {
    TrainingConfig b = TrainingConfig.benchmark(5000, 256);
    assertThat(b.steps()).isEqualTo(5000);
    assertThat(b.batchSize()).isEqualTo(256);
    assertThat(b.learningRate()).isEqualTo(1e-3);
    assertThat(b.optimizer()).isEqualTo(TrainingConfig.OptimizerKind.ADAM);
    assertThat(b.weightDecay()).isZero();
    assertThat(b.schedule()).isEqualTo(TrainingConfig.ScheduleKind.CONSTANT);
    assertThat(b.warmupSteps()).isZero();
    assertThat(b.maxGradNorm()).isZero();
    assertThat(b.validationRows(50000)).isZero();
    assertThat(b.patienceSteps()).isZero();
    assertThat(b.sampling()).isEqualTo(TrainingConfig.Sampling.WITH_REPLACEMENT);
    assertThat(b.seed()).isZero();
    assertThat(b.inputNoise()).isZero();
  }

  @Test
  @DisplayName("each invalid field is refused with a message naming it")
  void invalidFields() {
    expect(() -> D.withSteps(0), "exactly one of steps and epochs must be > 0");
    expect(() -> D.withSteps(-3), "but steps was -3 and epochs was 0");
    expect(() -> D.withEpochs(-1), "but steps was 0 and epochs was -1");
    expect(() -> D.withBatchSize(0), "TrainingConfig: batch size must be > 0, but was 0");
    expect(
        () -> D.withLearningRate(Double.NaN),
        "TrainingConfig: learning rate must be finite and > 0, but was NaN");
    expect(
        () -> D.withOptimizer(TrainingConfig.OptimizerKind.ADAMW, -1),
        "TrainingConfig: weight decay must be finite and >= 0, but was -1.0");
    expect(() -> D.withOptimizer(null, 0), "TrainingConfig: optimizer must not be null");
    expect(
        () -> D.withSchedule(TrainingConfig.ScheduleKind.COSINE, -2),
        "TrainingConfig: warm-up steps must be >= 0, but was -2");
    expect(
        () -> D.withMaxGradNorm(Double.POSITIVE_INFINITY),
        "TrainingConfig: max gradient norm must be finite and >= 0 (0 for no clipping), but was"
            + " Infinity");
    expect(
        () -> D.withValidation(1, 0),
        "TrainingConfig: validation fraction must be in [0, 1), but was 1.0");
    expect(
        () -> D.withValidation(0.1, -1),
        "TrainingConfig: minimum validation rows must be >= 0, but was -1");
    expect(
        () -> D.withEarlyStopping(0, 1, true),
        "TrainingConfig: evaluation interval must be > 0, but was 0");
    expect(
        () -> D.withEarlyStopping(10, -1, true),
        "TrainingConfig: patience must be >= 0, but was -1");
    expect(() -> D.withSampling(null), "TrainingConfig: sampling must not be null");
    expect(
        () -> D.withInputNoise(-0.1),
        "TrainingConfig: input noise must be finite and >= 0 (or INPUT_NOISE_AUTO), but was -0.1");
  }

  private static void expect(Supplier<TrainingConfig> make, String message) {
    assertThatThrownBy(make::get)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  @DisplayName("validation rows: 10%, at least 100 but at most a fifth, capped at 10,000")
  void validationRows() {
    int[][] cases = {
      {0, 0},
      {4, 0},
      {5, 1},
      {10, 2},
      {50, 10},
      {100, 20},
      {499, 99},
      {500, 100},
      {1000, 100},
      {1001, 100},
      {5000, 500},
      {50000, 5000},
      {100000, 10000},
      {1000000, 10000}
    };
    for (int[] c : cases) {
      assertThat(D.validationRows(c[0])).as("%d rows", c[0]).isEqualTo(c[1]);
    }
    assertThat(D.withValidation(0.9, 0).validationRows(100)).isEqualTo(50);
    assertThat(D.withValidation(0, 100).validationRows(1000)).isZero();
  }

  @Test
  @DisplayName("epochs become steps with the batch capped at the rows")
  void totalSteps() {
    assertThat(D.totalSteps(10)).isEqualTo(5000);
    assertThat(D.withEpochs(3).totalSteps(1000)).isEqualTo(12);
    assertThat(D.withEpochs(3).totalSteps(100)).isEqualTo(3);
    assertThat(D.withEpochs(2).withBatchSize(7).totalSteps(50)).isEqualTo(15);
    assertThatThrownBy(() -> D.totalSteps(0))
        .hasMessage("TrainingConfig.totalSteps: training rows must be > 0, but was 0");
  }

  @Test
  @DisplayName("JSON round trip, and unknown names refused")
  void json() {
    for (TrainingConfig c :
        List.of(
            D,
            TrainingConfig.benchmark(3000, 512),
            D.withEpochs(40)
                .withOptimizer(TrainingConfig.OptimizerKind.ADAMW, 1e-2)
                .withSchedule(TrainingConfig.ScheduleKind.CONSTANT, 200)
                .withSeed(-7)
                .withInputNoise(0.05)
                .withLearningRate(3.5e-4))) {
      Json.Obj j = c.toJson();
      assertThat(TrainingConfig.fromJson((Json.Obj) Json.parse(j.write()))).isEqualTo(c);
    }
    String text = D.toJson().write().replace("\"adam\"", "\"sgd\"");
    assertThatThrownBy(() -> TrainingConfig.fromJson((Json.Obj) Json.parse(text)))
        .hasMessage("TrainingConfig: optimizer must be one of adam, adamw, but was 'sgd'");
    assertThat(D.toJson().write()).contains("\"sampling\":\"shuffled-epochs\"");
  }

  @Test
  @DisplayName("training results round-trip through JSON, NaN as null")
  void resultJson() {
    TrainingResult r =
        new TrainingResult(
            120,
            200,
            64,
            900,
            0,
            0,
            Double.NaN,
            1.25,
            3.5,
            0.0012,
            TrainingResult.StopReason.INTERRUPTED,
            false,
            0.125,
            List.of(
                new TrainingResult.HistoryEntry(100, 1.5, Double.NaN, 1e-3),
                new TrainingResult.HistoryEntry(120, 1.25, Double.NaN, 9e-4)));
    String text = r.toJson().write();
    assertThat(text).contains("\"best_validation_nll\":null", "\"stop_reason\":\"interrupted\"");
    assertThat(TrainingResult.fromJson((Json.Obj) Json.parse(text))).isEqualTo(r);
    assertThat(text).contains("\"input_noise\":0.125");
    assertThat(r.epochsRun()).isEqualTo(120 * 64 / 900.0);
  }
}
