package io.flows4j.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flows4j.data.CsvReader;
import io.flows4j.model.FittedModel;
import io.flows4j.spark.SharedSpark;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FitCommandTest {
  /**
   * The data is N(0, 0.5^2) x N(1, 2^2): entropy 0.5 ln(2 pi e) * 2 + ln(0.5 * 2) = 2.838 nats. A
   * short fit must come within this margin of it on fresh rows.
   */
  private static final double ENTROPY = 2.8379;

  private static final double MARGIN = 0.15;

  @TempDir static Path dir;
  private static Path train;
  private static Path test;

  @BeforeAll
  static void writeRows() throws IOException {
    SharedSpark.session();
    train = dir.resolve("train.csv");
    test = dir.resolve("test.csv");
    write(train, 4000, 1);
    write(test, 2000, 2);
  }

  private static void write(Path file, int n, long seed) throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    StringBuilder sb = new StringBuilder("a,b\n");
    for (int i = 0; i < n; i++) {
      sb.append(String.format(Locale.ROOT, "%.6f,%.6f%n", 0.5 * gauss(r), 1 + 2 * gauss(r)));
    }
    Files.writeString(file, sb.toString());
  }

  private static double gauss(SplittableRandom r) {
    return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
  }

  private record Result(int status, String err) {}

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = SparkMain.run(args, new PrintWriter(out), new PrintWriter(err));
    return new Result(status, err.toString());
  }

  @Test
  void fitsAModelFileThatTheEngineReadsAndThatReachesTheEntropy() throws IOException {
    Path model = dir.resolve("m.flows4j");
    Result r =
        run(
            "fit",
            "--input",
            train.toString(),
            "--out",
            model.toString(),
            "--flow",
            "maf",
            "--layers",
            "2",
            "--hidden",
            "16",
            "--steps",
            "400",
            "--batch",
            "128",
            "--checkpoint-every",
            "100");

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.err()).contains("spark fit: 400 steps").contains("wrote " + model);
    FittedModel m = FittedModel.load(model);
    assertThat(m.columnNames()).containsExactly("a", "b");
    double nll = m.evaluate(CsvReader.create().read(test)).meanNll();
    assertThat(nll).isBetween(ENTROPY - MARGIN, ENTROPY + MARGIN);
  }

  @Test
  void badOptionsAreOneLineErrors() {
    Result localSteps =
        run(
            "fit",
            "--input",
            train.toString(),
            "--out",
            dir.resolve("x.flows4j").toString(),
            "--local-steps",
            "0");
    assertThat(localSteps.status()).isEqualTo(2);
    assertThat(localSteps.err()).contains("local").hasLineCount(1);

    Result flow =
        run(
            "fit",
            "--input",
            train.toString(),
            "--out",
            dir.resolve("y.flows4j").toString(),
            "--flow",
            "nope");
    assertThat(flow.status()).isEqualTo(2);
    assertThat(flow.err()).contains("nope").hasLineCount(1);

    Result missing =
        run(
            "fit",
            "--input",
            train.toString(),
            "--out",
            dir.resolve("z.flows4j").toString(),
            "--columns",
            "a,q");
    assertThat(missing.err()).contains("'q'").hasLineCount(1);
    assertThat(dir.resolve("z.flows4j")).doesNotExist();
  }
}
