package io.flows4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.data.CsvReader;
import io.flows4j.data.Dataset;
import io.flows4j.tensor.Rng;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The context options of fit, sample, logprob, eval, encode and decode, and their errors. */
class ConditionalCommandsTest {
  @TempDir static Path dir;

  /** Rows x, y, label with (x, y) ~ N(+-2 (1, 1), 0.3^2 I), label a for -, b for +. */
  private static String csv(long seed, int rows, boolean withLabel) {
    Rng rng = new Rng(seed);
    StringBuilder sb = new StringBuilder(withLabel ? "x,label,y\n" : "x,y\n");
    for (int i = 0; i < rows; i++) {
      boolean b = rng.nextInt(2) == 1;
      double m = b ? 2 : -2;
      String x = String.format(Locale.ROOT, "%.5f", m + 0.3 * rng.nextGaussian());
      String y = String.format(Locale.ROOT, "%.5f", m + 0.3 * rng.nextGaussian());
      sb.append(x).append(',');
      if (withLabel) {
        sb.append(b ? "b" : "a").append(',');
      }
      sb.append(y).append('\n');
    }
    return sb.toString();
  }

  @BeforeAll
  static void files() throws IOException {
    Files.writeString(dir.resolve("train.csv"), csv(1, 1200, true), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("test.csv"), csv(2, 300, true), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("plain.csv"), csv(3, 300, false), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("ctx.csv"), "label\nb\na\n", StandardCharsets.UTF_8);
    assertThat(
            run(
                "fit --data",
                dir.resolve("train.csv"),
                "--context label --flow maf --layers 3",
                "--hidden 16,16 --steps 300 --lr 3e-3 --seed 1 --test",
                dir.resolve("test.csv"),
                "--out",
                dir.resolve("c.flows4j")))
        .isZero();
    assertThat(
            run(
                "fit --data",
                dir.resolve("plain.csv"),
                "--layers 1 --hidden 4 --steps 3 --out",
                dir.resolve("plain.flows4j")))
        .isZero();
  }

  private static int run(Object... parts) {
    return Main.run(
        CommandsTest.args(parts),
        new PrintWriter(new StringWriter()),
        new PrintWriter(new StringWriter()));
  }

  @Test
  @DisplayName("sample --context draws at that context; the output carries the context column")
  void sampleAtAContext() {
    Path out = dir.resolve("s.csv");
    assertThat(
            run(
                "sample --model",
                dir.resolve("c.flows4j"),
                "-n 500 --context label=b --seed 3",
                "--with-logprob --out",
                out))
        .isZero();
    Dataset s = CsvReader.create().exclude(List.of("label")).read(out);
    assertThat(s.columnNames()).containsExactly("x", "y", "log_prob");
    double mx = 0;
    for (int i = 0; i < s.rows(); i++) {
      mx += s.get(i, 0);
    }
    assertThat(mx / s.rows()).isCloseTo(2, within(0.15));
  }

  @Test
  @DisplayName("sample --context-file draws n samples per context row, in row order")
  void sampleAtEachRow() throws IOException {
    Path out = dir.resolve("s2.csv");
    assertThat(
            run(
                "sample --model",
                dir.resolve("c.flows4j"),
                "-n 200 --context-file",
                dir.resolve("ctx.csv"),
                "--out",
                out))
        .isZero();
    List<String> lines = Files.readAllLines(out);
    assertThat(lines).hasSize(401);
    assertThat(lines.get(0)).isEqualTo("x,y,label");
    assertThat(lines.get(1)).endsWith(",b");
    assertThat(lines.get(400)).endsWith(",a");
    Dataset s = CsvReader.create().exclude(List.of("label")).read(out);
    double first = 0;
    double second = 0;
    for (int i = 0; i < 200; i++) {
      first += s.get(i, 0);
      second += s.get(200 + i, 0);
    }
    assertThat(first / 200).isCloseTo(2, within(0.2));
    assertThat(second / 200).isCloseTo(-2, within(0.2));
  }

  @Test
  @DisplayName("logprob, eval, encode and decode read the context column from the input file")
  void inputFilesCarryTheContext() throws IOException {
    Path lp = dir.resolve("lp.csv");
    assertThat(
            run(
                "logprob --model",
                dir.resolve("c.flows4j"),
                "--data",
                dir.resolve("test.csv"),
                "--out",
                lp))
        .isZero();
    assertThat(Files.readAllLines(lp).get(0)).isEqualTo("x,y,label,log_prob");
    StringWriter out = new StringWriter();
    int status =
        Main.run(
            CommandsTest.args(
                "eval --json --model", dir.resolve("c.flows4j"), "--data", dir.resolve("test.csv")),
            new PrintWriter(out),
            new PrintWriter(new StringWriter()));
    assertThat(status).isZero();
    // The conditional entropy of N(., 0.09 I) in 2-D is log(2 pi e 0.09) = 0.431.
    double nll = ((Number) FlatJson.parse(out.toString().trim()).get("nll_nats")).doubleValue();
    assertThat(nll).isLessThan(0.431 + 0.3);
    Path z = dir.resolve("z.csv");
    Path x = dir.resolve("x.csv");
    assertThat(
            run(
                "encode --model",
                dir.resolve("c.flows4j"),
                "--data",
                dir.resolve("test.csv"),
                "--out",
                z))
        .isZero();
    assertThat(Files.readAllLines(z).get(0)).isEqualTo("z0,z1,label");
    assertThat(run("decode --model", dir.resolve("c.flows4j"), "--data", z, "--out", x)).isZero();
    Dataset back = CsvReader.create().exclude(List.of("label")).read(x);
    Dataset orig = CsvReader.create().exclude(List.of("label")).read(dir.resolve("test.csv"));
    assertThat((double) back.get(7, 1)).isCloseTo(orig.get(7, 1), within(1e-3));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "sample --model c.flows4j -n 5 --context label=c --out OUT | context: unknown label 'c' in"
            + " column label; known labels: LABELS",
        "sample --model c.flows4j -n 5 --out OUT | model is conditional on label; give --context"
            + " label=VALUE or a file with a label column (context: label (labels LABELS))",
        "sample --model c.flows4j -n 5 --context label=a,size=2 --out OUT | context: unknown column"
            + " size; the model is conditional on label (labels LABELS)",
        "sample --model plain.flows4j -n 5 --context label=a --out OUT | the model is not"
            + " conditional (it takes no context); drop --context",
        "logprob --model c.flows4j --data plain.csv --out OUT | plain.csv: model is conditional on"
            + " label; give --context label=VALUE or a file with a label column (context: label"
            + " (labels LABELS)) (has no column label (its header is x, y))",
        "fit --data train.csv --context size --out OUT | train.csv: has no column size (its header"
            + " is x, label, y)",
        "fit --data train.csv --context label --flow planar --out OUT | --flow planar has no"
            + " conditional version; with --context use one of realnvp, maf, nsf, nsf-ar, nice,"
            + " residual",
        "fit --data plain.csv --categorical x --out OUT | --categorical names context columns;"
            + " give --context too",
      })
  void contextErrorsAreOneLine(String command, String message) throws IOException {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] args =
        java.util.Arrays.stream(command.trim().split(" +"))
            .map(
                a ->
                    a.equals("OUT")
                        ? dir.resolve("err-out.csv").toString()
                        : a.endsWith(".csv") || a.endsWith(".flows4j")
                            ? dir.resolve(a).toString()
                            : a)
            .toArray(String[]::new);
    int status = Main.run(args, new PrintWriter(out), new PrintWriter(err));
    String labels =
        Files.readAllLines(dir.resolve("train.csv")).get(1).contains(",a,") ? "a, b" : "b, a";
    String expected =
        "error: "
            + message
                .replace("LABELS", labels)
                .replace("plain.csv", dir.resolve("plain.csv").toString())
                .replace("train.csv", dir.resolve("train.csv").toString())
            + System.lineSeparator();
    assertThat(err.toString()).isEqualTo(expected);
    assertThat(status).isEqualTo(2);
    assertThat(Files.exists(dir.resolve("err-out.csv"))).isFalse();
  }
}
