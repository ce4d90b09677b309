package io.flows4j.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.bench.WorkloadBench.Model;
import io.flows4j.bench.WorkloadBench.Workload;
import io.flows4j.bijectors.ElementwiseAffine;
import io.flows4j.data.Dataset;
import io.flows4j.distributions.StandardNormal;
import io.flows4j.flows.Flow;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WorkloadBenchTest {
  /** Float32 log-densities summed in double: agreement with a double reference. */
  private static final double NLL_TOLERANCE = 1e-5;

  @ParameterizedTest(name = "{0} {1} dim {2}: {3} FLOP per step")
  @CsvSource({
    "W1, REALNVP, 2, 52.7e6",
    "W1, MAF, 2, 34.4e6",
    "W1, NSF, 2, 69.2e6",
    "W3, REALNVP, 32, 1.91e9",
    "W3, MAF, 32, 1.38e9",
    "W3, NSF, 32, 3.22e9",
  })
  void flopCountsAreThoseOfBenchmarksMd(Workload w, Model m, int dim, double expected) {
    double flop = WorkloadBench.architecture(w, m, dim).flopPerStep(w.batch);
    // BENCHMARKS.md gives 3 significant digits: agree to half a unit of the third.
    double halfUnit = 0.5 * Math.pow(10, Math.floor(Math.log10(expected)) - 2);
    assertThat(flop).isCloseTo(expected, within(halfUnit));
  }

  @ParameterizedTest(name = "W1 {0}: {1} parameters, as the peers")
  @CsvSource({"REALNVP, 35344", "MAF, 23060", "NSF, 46264"})
  void w1ModelsHaveThePeersParameterCounts(Model m, long params) {
    assertThat(WorkloadBench.flow(Workload.W1, m, 2, 0).parameterCount()).isEqualTo(params);
  }

  @Test
  void w3NsfIsTheAutoregressiveSplineFlow() {
    assertThat(WorkloadBench.preset(Workload.W3, Model.NSF)).isEqualTo("nsf-ar");
    assertThat(WorkloadBench.preset(Workload.W1, Model.NSF)).isEqualTo("nsf");
    assertThat(WorkloadBench.architecture(Workload.W3, Model.NSF, 32).layers()).isEqualTo(4);
  }

  @Test
  void filesFollowTheSharedDataLayout() {
    Path root = Path.of("data");
    assertThat(Workload.W1.file(root, "moons", true))
        .isEqualTo(root.resolve("2d/moons-train.csv.gz"));
    assertThat(Workload.W1.file(root, "moons", false))
        .isEqualTo(root.resolve("2d/moons-test.csv.gz"));
    assertThat(Workload.W3.file(root, "fmnist-pca32", true))
        .isEqualTo(root.resolve("fmnist-pca32/train.csv.gz"));
    assertThat(Workload.W1.dataset("MOONS")).isEqualTo("moons");
    assertThatThrownBy(() -> Workload.W3.dataset("moons"))
        .hasMessage("--dataset for W3 must be one of fmnist-pca32, but was 'moons'");
  }

  @Test
  void aMissingFileIsNamedWithAHint(@TempDir Path dir) {
    assertThatThrownBy(() -> WorkloadBench.read(dir.resolve("2d/moons-train.csv.gz")))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageStartingWith(dir.resolve("2d/moons-train.csv.gz") + ": no such file")
        .hasMessageContaining("--data-dir");
  }

  @Test
  void medianOfOddAndEvenCounts() {
    assertThat(WorkloadBench.median(new double[] {3, 1, 2})).isEqualTo(2);
    assertThat(WorkloadBench.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
  }

  @Test
  void meanNllOfTheIdentityFlowIsTheStandardNormalsInDouble() {
    Dataset data = gaussian(10_000, 7, 0.5, 1.5);
    Flow flow = new Flow(new ElementwiseAffine(2), new StandardNormal(2));
    double expected = 0;
    for (int i = 0; i < data.rows(); i++) {
      double sq = 0;
      for (int j = 0; j < 2; j++) {
        sq += (double) data.get(i, j) * data.get(i, j);
      }
      expected += 0.5 * sq + Math.log(2 * Math.PI);
    }
    expected /= data.rows();
    assertThat(WorkloadBench.meanNll(flow, data)).isCloseTo(expected, within(NLL_TOLERANCE));
  }

  @Test
  void trainingLowersTheTestNllAndReportsEveryStep() {
    // Data N(2, 1.5^2): the identity flow starts far from it; 300 Adam steps at 1e-3 move the
    // shift and log-scale by about 0.3, which lowers the NLL by a clear margin.
    Dataset train = gaussian(4000, 1, 2, 1.5);
    Dataset test = gaussian(2000, 2, 2, 1.5);
    Flow flow = new Flow(new ElementwiseAffine(2), new StandardNormal(2));
    double before = WorkloadBench.meanNll(flow, test);
    List<Integer> steps = new ArrayList<>();
    WorkloadBench.Result r =
        WorkloadBench.train(flow, train, test, 64, 300, 0, (s, loss) -> steps.add(s));
    assertThat(steps).hasSize(300).startsWith(1, 2).endsWith(300);
    assertThat(r.steps()).isEqualTo(300);
    assertThat(r.nonfiniteSteps()).isZero();
    assertThat(r.testNllNats()).isLessThan(before - 0.5);
    assertThat(r.testNllNats()).isCloseTo(WorkloadBench.meanNll(flow, test), within(1e-12));
    assertThat(r.secondsPerStepMedian()).isPositive().isLessThan(r.trainSeconds());
  }

  @Test
  void theJsonLineHasTheFieldsOfBenchmarksMd() {
    WorkloadBench.Result r = new WorkloadBench.Result(0, 5000, 10.0, 0.002, 2.45, 0, 2.4);
    String line =
        WorkloadBench.line(Workload.W1, Model.REALNVP, "moons", 2, 35_344, 1, r).toString();
    assertThat(line)
        .startsWith(
            "{\"workload\":\"W1\",\"model\":\"realnvp\",\"dataset\":\"moons\",\"dim\":2,"
                + "\"steps\":5000,\"batch\":256,\"lr\":0.001,\"params\":35344,\"threads\":1,"
                + "\"seed\":0,\"train_sec\":10,\"sec_per_step_median\":0.002,"
                + "\"test_nll_nats\":2.45,\"nonfinite_steps\":0,\"peak_rss_mb\":");
    // 52,690,944 FLOP at 116 GFLOP/s = 0.454 ms, over 2 ms.
    assertThat(line).contains("\"flop_per_step\":52690944").endsWith("\"efficiency\":0.227116}");
  }

  @Test
  void peakRssIsReportedOnLinux() {
    double mb = WorkloadBench.peakRssMegabytes();
    if (Path.of("/proc/self/status").toFile().exists()) {
      assertThat(mb).isGreaterThan(10).isLessThan(1e6);
      assertThat(WorkloadBench.resetPeakRss()).isTrue();
      assertThat(WorkloadBench.peakRssMegabytes()).isGreaterThan(10);
    } else {
      assertThat(mb).isNaN();
    }
  }

  private static Dataset gaussian(int n, long seed, double mean, double sd) {
    SplittableRandom r = new SplittableRandom(seed);
    float[][] rows = new float[n][2];
    for (float[] row : rows) {
      row[0] = (float) (mean + sd * r.nextGaussian());
      row[1] = (float) (mean + sd * r.nextGaussian());
    }
    return Dataset.of(rows);
  }
}
