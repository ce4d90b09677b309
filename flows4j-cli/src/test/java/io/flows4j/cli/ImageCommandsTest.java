package io.flows4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flows4j.tensor.Rng;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fit --images, eval --images and sample --grid on small IDX and PNG images, and their errors. */
class ImageCommandsTest {
  @TempDir static Path dir;

  /** IDX images of 8x8 pixels: a bright square in quadrant = label, noise elsewhere. */
  private static void idx(Path images, Path labels, int n, long seed) throws IOException {
    Rng rng = new Rng(seed);
    ByteArrayOutputStream x = new ByteArrayOutputStream();
    x.write(new byte[] {0, 0, 8, 3, 0, 0, (byte) (n >> 8), (byte) n, 0, 0, 0, 8, 0, 0, 0, 8});
    ByteArrayOutputStream y = new ByteArrayOutputStream();
    y.write(new byte[] {0, 0, 8, 1, 0, 0, (byte) (n >> 8), (byte) n});
    for (int i = 0; i < n; i++) {
      int k = rng.nextInt(4);
      y.write(k);
      for (int j = 0; j < 64; j++) {
        int r = j / 8;
        int c = j % 8;
        boolean in = r / 4 == k / 2 && c / 4 == k % 2;
        x.write(in ? 180 + rng.nextInt(60) : rng.nextInt(40));
      }
    }
    Files.write(images, x.toByteArray());
    Files.write(labels, y.toByteArray());
  }

  @BeforeAll
  static void files() throws IOException {
    idx(dir.resolve("train-x"), dir.resolve("train-y"), 300, 1);
    idx(dir.resolve("test-x"), dir.resolve("test-y"), 60, 2);
  }

  private static String[] result(Object... parts) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(CommandsTest.args(parts), new PrintWriter(out), new PrintWriter(err));
    return new String[] {Integer.toString(code), out.toString(), err.toString()};
  }

  @Test
  @DisplayName("fit --images glow, eval --images in bits/dim, sample --grid writes a PNG grid")
  void glowEndToEnd() throws IOException {
    Path model = dir.resolve("g.flows4j");
    String[] fit =
        result(
            "fit --images",
            dir.resolve("train-x"),
            "--flow glow --levels 2 --steps-per-level 2 --hidden 8 --steps 30 --batch 32 --out",
            model);
    assertThat(fit[0]).as(fit[2]).isEqualTo("0");
    assertThat(fit[1]).contains("\"image\":\"1x8x8\"").contains("\"flow\":\"glow\"");
    String[] eval = result("eval --json --model", model, "--images", dir.resolve("test-x"));
    assertThat(eval[0]).as(eval[2]).isEqualTo("0");
    double bpd = Double.parseDouble(eval[1].replaceAll("(?s).*\"bpd\":([-0-9.eE]+).*", "$1"));
    // Better than a uniform density over the 256 levels (8 bits), worse than nothing at all.
    assertThat(bpd).isBetween(0.5, 8.0);
    Path png = dir.resolve("s.png");
    String[] s =
        result("sample --model", model, "--grid 3x4 --temperature 0.7 --seed 2 --out", png);
    assertThat(s[0]).as(s[2]).isEqualTo("0");
    BufferedImage img = ImageIO.read(png.toFile());
    assertThat(img.getWidth()).isEqualTo(4 * 8 + 5);
    assertThat(img.getHeight()).isEqualTo(3 * 8 + 4);
  }

  @Test
  @DisplayName("class-conditional realnvp: --labels at fit and eval, sample --grid --context")
  void conditionalRealNvp() throws IOException {
    Path model = dir.resolve("c.flows4j");
    String[] fit =
        result(
            "fit --images",
            dir.resolve("train-x"),
            "--labels",
            dir.resolve("train-y"),
            "--flow realnvp --levels 2 --hidden 8 --steps 20 --batch 32 --out",
            model);
    assertThat(fit[0]).as(fit[2]).isEqualTo("0");
    assertThat(fit[1]).contains("\"classes\":4");
    String[] eval =
        result(
            "eval --model",
            model,
            "--images",
            dir.resolve("test-x"),
            "--labels",
            dir.resolve("test-y"));
    assertThat(eval[0]).as(eval[2]).isEqualTo("0");
    assertThat(eval[1]).contains("bits per dimension");
    String[] s =
        result("sample --model", model, "--grid 2x2 --context label=3 --out", dir.resolve("c.png"));
    assertThat(s[0]).as(s[2]).isEqualTo("0");
    String[] missing = result("sample --model", model, "--grid 2x2 --out", dir.resolve("d.png"));
    assertThat(missing[0]).isEqualTo("2");
    assertThat(missing[2]).contains("error:").contains("label");
  }

  @Test
  @DisplayName("images of another size, non-image models and unreadable files: one-line errors")
  void errors() throws IOException {
    Path model = dir.resolve("e.flows4j");
    assertThat(
            result(
                "fit --images",
                dir.resolve("train-x"),
                "--flow glow --levels 1 --steps-per-level 1 --hidden 4 --steps 2 --out",
                model)[0])
        .isEqualTo("0");
    Path pngs = Files.createDirectories(dir.resolve("pngs"));
    ImageIO.write(
        new BufferedImage(6, 6, BufferedImage.TYPE_BYTE_GRAY),
        "png",
        pngs.resolve("a.png").toFile());
    String[] wrong = result("eval --model", model, "--images", pngs);
    assertThat(wrong[0]).isNotEqualTo("0");
    assertThat(wrong[2].strip())
        .startsWith("error:")
        .contains("holds images of 1x6x6, but the model is for 1x8x8")
        .doesNotContain("\n");
    Files.writeString(pngs.resolve("b.png"), "garbage");
    String[] bad =
        result("fit --images", pngs, "--flow glow --steps 1 --out", dir.resolve("x.flows4j"));
    assertThat(bad[2].strip()).startsWith("error:").contains("b.png: not a readable PNG image");
    String[] table = result("fit --images", dir.resolve("train-x"), "--flow maf --out", model);
    assertThat(table[2]).contains("--flow maf is not an image flow");
    String[] missing = result("fit --images", dir.resolve("nope"), "--flow glow --out", model);
    assertThat(missing[2].strip()).startsWith("error:").contains("nope");
  }

  @Test
  @DisplayName("bench W4 --quick prints one JSON line with the protocol's fields")
  void benchW4Quick() throws IOException {
    Path data = Files.createDirectories(dir.resolve("data/fashion-mnist"));
    Files.copy(dir.resolve("train-x"), data.resolve("train-images-idx3-ubyte.gz"));
    Files.copy(dir.resolve("test-x"), data.resolve("t10k-images-idx3-ubyte.gz"));
    String[] r = result("bench W4 --quick --steps 2 --threads 1 --data-dir", dir.resolve("data"));
    assertThat(r[0]).as(r[2]).isEqualTo("0");
    String[] lines = r[1].lines().toArray(String[]::new);
    assertThat(lines).hasSize(1);
    assertThat(FlatJson.parse(lines[0]))
        .containsEntry("workload", "W4")
        .containsKeys(
            "sec_per_step_median",
            "test_bpd",
            "peak_rss_mb",
            "test_nll_nats",
            "flop_per_step",
            "efficiency",
            "nonfinite_steps");
  }
}
