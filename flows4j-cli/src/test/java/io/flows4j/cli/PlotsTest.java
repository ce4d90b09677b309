package io.flows4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.data.Dataset;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotsTest {
  @Test
  void densityMapColoursTheDenseCellsDarkerAndIsWrittenAsPng(@TempDir Path dir) throws IOException {
    // One bump in the middle of [-1, 1]^2.
    int n = 40;
    double[] dens = new double[n * n];
    Plots.Grid tmp = new Plots.Grid(-1, 1, -1, 1, n, n, dens);
    for (int j = 0; j < n; j++) {
      for (int i = 0; i < n; i++) {
        dens[j * n + i] = Math.exp(-8 * (tmp.x(i) * tmp.x(i) + tmp.y(j) * tmp.y(j)));
      }
    }
    float[][] pts = {{0.5f, 0.5f}, {-0.5f, 0.2f}};
    BufferedImage img =
        Plots.density("t", "x0", "x1", tmp, List.of(Plots.points("data", pts, 10, Plots.DATA)));
    Path png = dir.resolve("d.png");
    Plots.writePng(img, png);
    BufferedImage back = ImageIO.read(png.toFile());
    assertThat(back.getWidth()).isEqualTo(img.getWidth());
    // Somewhere in the image is the darkest ramp colour (the bump) and white (the corners).
    assertThat(containsColourNear(back, Plots.ramp(1))).isTrue();
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactly(png);
    }
  }

  @Test
  void curvesAndPairsRender(@TempDir Path dir) throws IOException {
    double[] x = {1, 2, 3, 4};
    double[] y = {4, 3, 2.5, 2.4};
    BufferedImage c =
        Plots.curves("t", "step", "nats", List.of(new Plots.Line("loss", x, y, Color.BLUE, false)));
    Dataset d = ToyData.MOONS.generate(300, 1);
    float[][] rows = new float[d.rows()][];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = d.row(i);
    }
    BufferedImage p = Plots.pairs("t", List.of("x0", "x1"), rows, rows, 2);
    Plots.writePng(c, dir.resolve("c.png"));
    Plots.writePng(p, dir.resolve("p.png"));
    assertThat(ImageIO.read(dir.resolve("c.png").toFile()).getHeight()).isEqualTo(c.getHeight());
    assertThat(ImageIO.read(dir.resolve("p.png").toFile()).getWidth()).isEqualTo(p.getWidth());
  }

  @Test
  void aPngThatCannotBeWrittenLeavesNothingBehind(@TempDir Path dir) {
    Path target = dir.resolve("missing-folder/out.png");
    BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
    assertThatThrownBy(() -> Plots.writePng(img, target)).hasMessageContaining("out.png");
    assertThat(Files.exists(target)).isFalse();
  }

  @Test
  void rampRunsFromWhiteToTheDarkestAnchorAndTicksAreShort() {
    assertThat(Plots.ramp(0)).isEqualTo(Color.WHITE);
    assertThat(Plots.ramp(-1)).isEqualTo(Color.WHITE);
    assertThat(Plots.ramp(2)).isEqualTo(Plots.ramp(1));
    assertThat(Plots.ramp(1).getBlue()).isLessThan(128);
    assertThat(Plots.tick(0)).isEqualTo("0");
    assertThat(Plots.tick(0.0795123)).isEqualTo("0.0795");
    assertThat(Plots.tick(12345)).isEqualTo("12300");
  }

  @Test
  void squareRangeCoversBothAxesWithTheSameWidth() {
    double[] r = Plots.squareRange(new double[] {0, 1, 2, 10}, new double[] {0, 0, 1, 1});
    assertThat(r[1] - r[0]).isEqualTo(r[3] - r[2]);
    assertThat(r[0]).isLessThan(0);
    assertThat(r[1]).isGreaterThan(10);
  }

  private static boolean containsColourNear(BufferedImage img, Color c) {
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        Color p = new Color(img.getRGB(x, y));
        if (Math.abs(p.getRed() - c.getRed())
                + Math.abs(p.getGreen() - c.getGreen())
                + Math.abs(p.getBlue() - c.getBlue())
            < 12) {
          return true;
        }
      }
    }
    return false;
  }
}
