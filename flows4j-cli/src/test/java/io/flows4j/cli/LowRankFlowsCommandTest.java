package io.flows4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.data.CsvReader;
import io.flows4j.data.CsvWriter;
import io.flows4j.data.Dataset;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code fit --flow planar|radial|sylvester} on 2-D data (moons, seed 7; test seed 8), then {@code
 * sample --with-logprob}, {@code logprob} and {@code eval} on the model: sampling goes through the
 * numerical direction of these layers and scoring through the closed form, so the two log-densities
 * of the same points must agree.
 */
class LowRankFlowsCommandTest {
  /** Float32 log-densities of the same point by the two directions, relative. */
  private static final double LOGPROB_TOLERANCE = 1e-4;

  @TempDir static Path shared;

  static Path train;
  static Path test;

  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeAll
  static void data() throws IOException {
    train = shared.resolve("train.csv");
    test = shared.resolve("test.csv");
    CsvWriter.write(train, ToyData.MOONS.generate(400, 7));
    CsvWriter.write(test, ToyData.MOONS.generate(100, 8));
  }

  private int run(Object... parts) {
    out.getBuffer().setLength(0);
    return Main.run(CommandsTest.args(parts), new PrintWriter(out), new PrintWriter(err));
  }

  @ParameterizedTest(name = "fit --flow {0} --layers 16, then sample, logprob and eval")
  @ValueSource(strings = {"planar", "radial", "sylvester"})
  void fitSampleScore(String flow) {
    Path m = dir.resolve(flow + ".f4j");
    assertThat(
            run("fit --data", train, "--flow", flow, "--layers 16 --steps 30 --batch 64 --out", m))
        .as(err.toString())
        .isZero();
    assertThat(FlatJson.parse(out.toString().strip())).containsEntry("flow", flow);

    Path s = dir.resolve("s.csv");
    assertThat(run("sample --model", m, "-n 200 --with-logprob --seed 3 --out", s))
        .as(err.toString())
        .isZero();
    Dataset samples = CsvReader.create().read(s);
    assertThat(samples.columnNames()).containsExactly("x0", "x1", "log_prob");
    Path values = dir.resolve("values.csv");
    CsvWriter.write(values, samples.select("x0", "x1"));
    Path lp = dir.resolve("lp.csv");
    assertThat(run("logprob --model", m, "--data", values, "--out", lp))
        .as(err.toString())
        .isZero();
    Dataset scored = CsvReader.create().read(lp);
    for (int i = 0; i < samples.rows(); i++) {
      double a = samples.get(i, 2);
      assertThat((double) scored.get(i, 2))
          .as("row %d", i)
          .isCloseTo(a, within(LOGPROB_TOLERANCE * (1 + Math.abs(a))));
    }

    assertThat(run("eval --json --model", m, "--data", test)).as(err.toString()).isZero();
    Map<String, Object> json = FlatJson.parse(out.toString().strip());
    assertThat((Double) json.get("nll_nats")).isFinite();
  }
}
