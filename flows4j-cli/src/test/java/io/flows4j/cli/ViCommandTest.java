package io.flows4j.cli;

import static io.flows4j.cli.CommandsTest.args;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.data.CsvReader;
import io.flows4j.data.Dataset;
import io.flows4j.model.FittedModel;
import io.flows4j.tensor.Threads;
import io.flows4j.vi.Targets;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code flows4j vi} end to end on a tiny run (banana, seed 0), and what reads its model. */
class ViCommandTest {
  /** JSON numbers carry 6 significant digits: figures of order 1 to 10 agree to this. */
  private static final double JSON_TOLERANCE = 1e-4;

  @TempDir static Path shared;

  static Path model;
  static Map<String, Object> summary;

  @TempDir Path dir;

  private StringWriter out;
  private StringWriter err;
  private int savedThreads;

  @BeforeAll
  static void fitOneModel() {
    model = shared.resolve("banana.flows4j");
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    int status =
        Main.run(
            args(
                "vi --target banana --flow realnvp --layers 2 --hidden 8,8 --steps 60 --batch 64"
                    + " --anneal 30 --samples 4000 --out",
                model),
            new PrintWriter(o),
            new PrintWriter(e));
    assertThat(status).as("vi: %s", e).isZero();
    summary = FlatJson.parse(o.toString().strip());
  }

  @BeforeEach
  void setUp() {
    out = new StringWriter();
    err = new StringWriter();
    savedThreads = Threads.count();
  }

  @AfterEach
  void restoreThreads() {
    Threads.setCount(savedThreads);
  }

  private int run(Object... parts) {
    return Main.run(args(parts), new PrintWriter(out), new PrintWriter(err));
  }

  @Test
  @DisplayName("vi prints a one-line JSON summary with the diagnostics")
  void summary() {
    assertThat(summary)
        .containsKeys(
            "kl",
            "kl_stderr",
            "elbo",
            "ess",
            "log_z",
            "log_z_stderr",
            "sec_per_step",
            "frac_outside_box")
        .containsEntry("target", "banana")
        .containsEntry("flow", "realnvp")
        .containsEntry("steps", 60.0)
        .containsEntry("batch", 64.0)
        .containsEntry("anneal", 30.0)
        .containsEntry("samples", 4000.0);
    double kl = (Double) summary.get("kl");
    double logZ = Targets.banana().logNormalizer().orElseThrow();
    assertThat(kl).isFinite().isGreaterThan(-4 * (Double) summary.get("kl_stderr"));
    assertThat((Double) summary.get("log_z_true")).isCloseTo(logZ, within(JSON_TOLERANCE));
    assertThat((Double) summary.get("elbo")).isCloseTo(logZ - kl, within(JSON_TOLERANCE));
    assertThat((Double) summary.get("ess")).isBetween(1.0, 4000.0);
  }

  @Test
  @DisplayName("the model is an ordinary model file: sample, logprob and info read it")
  void modelIsReadByTheOtherCommands() throws IOException {
    FittedModel m = FittedModel.load(model);
    assertThat(m.columnNames()).containsExactly("x0", "x1");
    assertThat(m.metadata()).containsEntry(ViCommand.TARGET_KEY, "banana");
    assertThat(m.trainingResult().orElseThrow().stepsRun()).isEqualTo(60);

    Path samples = dir.resolve("s.csv");
    assertThat(run("sample --model", model, "-n 50 --with-logprob --out", samples))
        .as("sample: %s", err)
        .isZero();
    Dataset s = CsvReader.create().read(samples);
    assertThat(s.rows()).isEqualTo(50);

    Path scores = dir.resolve("lp.csv");
    Path points = dir.resolve("x.csv");
    Files.writeString(points, "x0,x1\n0,0\n1,-0.5\n");
    assertThat(run("logprob --model", model, "--data", points, "--out", scores))
        .as("logprob: %s", err)
        .isZero();
    assertThat(CsvReader.create().read(scores).rows()).isEqualTo(2);

    out.getBuffer().setLength(0);
    assertThat(run("info --model", model)).isZero();
    assertThat(out.toString())
        .contains("target:       banana (variational inference)")
        .contains("training:     60 of 60 steps (completed) of 64 samples of the flow");
  }

  @Test
  @DisplayName("plot of a VI model shows the fit beside the target")
  void plotSideBySide() throws IOException {
    Path png = dir.resolve("vi.png");
    assertThat(run("plot --model", model, "--out", png, "--grid 40 --points 100"))
        .as("plot: %s", err)
        .isZero();
    BufferedImage img = ImageIO.read(png.toFile());
    // Two density panels of 820 x 760.
    assertThat(img.getWidth()).isEqualTo(2 * 820);
    assertThat(img.getHeight()).isEqualTo(760);
  }

  @Test
  @DisplayName("bad options are one-line usage errors, found before any work")
  void errors() {
    assertThat(run("vi --target U9")).isEqualTo(2);
    assertThat(err.toString().strip())
        .isEqualTo(
            "error: target: must be one of U1, U2, U3, U4, banana, funnel, mixture, but was 'U9'");
    err.getBuffer().setLength(0);
    assertThat(run("vi --target U1 --steps 0")).isEqualTo(2);
    assertThat(err.toString().strip()).isEqualTo("error: --steps must be >= 1, but was 0");
    err.getBuffer().setLength(0);
    assertThat(run("vi --target U1 --flow glow")).isEqualTo(2);
    assertThat(err.toString().strip())
        .startsWith("error: flow: must be one of planar, radial, sylvester, residual, realnvp");
    err.getBuffer().setLength(0);
    assertThat(run("vi --target U1 --lr -1")).isEqualTo(2);
    assertThat(err.toString().strip()).isEqualTo("error: --lr must be > 0, but was -1.0");
    err.getBuffer().setLength(0);
    assertThat(run("vi --target U1 --out", dir.resolve("no/such/m.flows4j"))).isEqualTo(2);
    assertThat(err.toString().strip()).contains("does not exist");
  }
}
