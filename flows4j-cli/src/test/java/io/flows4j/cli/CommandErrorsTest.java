package io.flows4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flows4j.data.CsvWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every user error gives one line {@code error: ...}, the exit status of its kind (2 for bad input
 * or options, 1 for a failure such as a missing or corrupted file) and leaves no output file.
 */
class CommandErrorsTest {
  @TempDir static Path dir;

  @BeforeAll
  static void files() throws IOException {
    CsvWriter.write(dir.resolve("train.csv"), ToyData.MOONS.generate(300, 1));
    Files.writeString(dir.resolve("three.csv"), "a,b,c\n1,2,3\n4,5,6\n", StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("nan.csv"), "x0,x1\n1,2\n3,NaN\n", StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("empty.csv"), "", StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("ragged.csv"), "x0,x1\n1,2\n3\n", StandardCharsets.UTF_8);
    int status =
        Main.run(
            CommandsTest.args(
                "fit --data", dir.resolve("train.csv"),
                "--layers 1 --hidden 4 --steps 3 --out", dir.resolve("m.flows4j")),
            new PrintWriter(new StringWriter()),
            new PrintWriter(new StringWriter()));
    assertThat(status).isZero();
    byte[] model = Files.readAllBytes(dir.resolve("m.flows4j"));
    Files.write(dir.resolve("truncated.flows4j"), Arrays.copyOf(model, model.length / 2));
    byte[] flipped = model.clone();
    flipped[flipped.length - 3] ^= 0x40;
    Files.write(dir.resolve("flipped.flows4j"), flipped);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        // missing files
        "fit --data missing.csv --out OUT | 1 | missing.csv: no such file",
        "eval --model missing.flows4j --data train.csv | 1 | missing.flows4j: no such file",
        "sample --model missing.flows4j -n 5 --out OUT | 1 | missing.flows4j: no such file",
        // wrong column count against the model
        "eval --model m.flows4j --data three.csv | 2 | three.csv has 3 columns (a, b, c), but the"
            + " model was trained on 2 (x0, x1)",
        "logprob --model m.flows4j --data three.csv --out OUT | 2 | three.csv has 3 columns (a, b,"
            + " c), but the model was trained on 2 (x0, x1)",
        "encode --model m.flows4j --data three.csv --out OUT | 2 | three.csv has 3 columns (a, b,"
            + " c), but the model was trained on 2 (x0, x1)",
        "decode --model m.flows4j --data three.csv --out OUT | 2 | three.csv has 3 columns, but the"
            + " model's latent space has 2",
        "fit --data train.csv --test three.csv --out OUT | 2 | three.csv has 3 columns (a, b, c),"
            + " but the model is fitted to 2 (x0, x1)",
        // bad data
        "fit --data nan.csv --out OUT | 2 | nan.csv line 3, column x1: value 'NaN' is not a finite"
            + " number",
        "logprob --model m.flows4j --data nan.csv --out OUT | 2 | nan.csv line 3, column x1: value"
            + " 'NaN' is not a finite number",
        "fit --data empty.csv --out OUT | 2 | empty.csv: no data rows (the file is empty)",
        // bad options
        "fit --data train.csv --flow glow --out OUT | 2 | --flow must be one of realnvp, maf, nsf,"
            + " nsf-ar, nice, planar, radial, sylvester, residual, but was 'glow'",
        "fit --data train.csv --steps 0 --out OUT | 2 | --steps must be >= 1, but was 0",
        "fit --data train.csv --epochs 0 --out OUT | 2 | --epochs must be >= 1, but was 0",
        "fit --data train.csv --steps 5 --epochs 2 --out OUT | 2 | --steps=N, --epochs=E are"
            + " mutually exclusive (specify only one)",
        "fit --data train.csv --hidden 64,x --out OUT | 2 | --hidden must be whole numbers >= 1"
            + " separated by commas, but was '64,x'",
        "fit --data train.csv --validation 1 --out OUT | 2 | --validation must be in [0, 1), but"
            + " was 1.0",
        "fit --data train.csv --lr -1 --out OUT | 2 | --lr must be > 0, but was -1.0",
        "fit --data train.csv --out nodir/x.flows4j | 2 | --out DIR/nodir/x.flows4j: the folder"
            + " DIR/nodir does not exist",
        "sample --model m.flows4j -n 0 --out OUT | 2 | -n must be >= 1, but was 0",
        "sample --model m.flows4j -n 5 --temperature 0 --out OUT | 2 | --temperature must be > 0,"
            + " but was 0.0",
        "plot --model m.flows4j --out OUT | 2 | --out must name a .png file, but was OUT",
        "demo --dataset swissroll --out OUT | 2 | --dataset must be one of moons, 8gaussians,"
            + " checkerboard, 2spirals, rings, but was 'swissroll'",
        "bench W1 --quick --data-dir nope | 2 | --data-dir nope: no such folder",
        "bench W3 --dataset moons --data-dir . | 2 | --dataset for W3 must be one of fmnist-pca32,"
            + " but was 'moons'",
      })
  void userErrorsAreOneLineAndLeaveNoOutput(String command, int status, String message)
      throws IOException {
    Set<Path> before = listing();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] args =
        Arrays.stream(command.trim().split(" +"))
            .map(a -> a.equals("OUT") ? dir.resolve("out.csv").toString() : resolve(a))
            .toArray(String[]::new);
    int actual = Main.run(args, new PrintWriter(out), new PrintWriter(err));
    String expected =
        "error: "
            + message
                .replace("OUT", dir.resolve("out.csv").toString())
                .replace("DIR", dir.toAbsolutePath().toString())
                .replace("missing.csv", dir.resolve("missing.csv").toString())
                .replace("missing.flows4j", dir.resolve("missing.flows4j").toString())
                .replace("three.csv", dir.resolve("three.csv").toString())
                .replace("nan.csv", dir.resolve("nan.csv").toString())
                .replace("empty.csv", dir.resolve("empty.csv").toString())
                .replace("nope", dir.resolve("nope").toString())
            + System.lineSeparator();
    assertThat(err.toString()).isEqualTo(expected);
    assertThat(actual).isEqualTo(status);
    assertThat(out.toString()).isEmpty();
    assertThat(listing()).as("files after the command").isEqualTo(before);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"truncated.flows4j", "flipped.flows4j"})
  void aCorruptedModelFileIsRefusedInOneLine(String file) throws IOException {
    Set<Path> before = listing();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int actual =
        Main.run(
            CommandsTest.args(
                "sample --model", dir.resolve(file), "-n 5 --out", dir.resolve("s.csv")),
            new PrintWriter(out),
            new PrintWriter(err));
    assertThat(actual).isEqualTo(1);
    assertThat(err.toString()).startsWith("error: " + dir.resolve(file) + ": ");
    assertThat(err.toString().lines()).hasSize(1);
    assertThat(listing()).isEqualTo(before);
  }

  /** Names of files in the test folder are made absolute; options and values are kept. */
  private static String resolve(String arg) {
    boolean file =
        arg.endsWith(".csv") || arg.endsWith(".flows4j") || arg.equals("nope") || arg.equals(".");
    return file ? dir.resolve(arg).toString() : arg;
  }

  private static Set<Path> listing() throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.collect(Collectors.toSet());
    }
  }
}
