package io.flows4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagesTest {
  @TempDir Path dir;

  private static void gray(Path file, int w, int h, int seed) throws IOException {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.getRaster().setSample(x, y, 0, (seed + 10 * y + x) % 256);
      }
    }
    ImageIO.write(img, "png", file.toFile());
  }

  @Test
  @DisplayName("a folder of grayscale PNGs: rows of H W pixels in file-name order, row-major")
  void grayFolder() throws IOException {
    gray(dir.resolve("b.png"), 3, 2, 100);
    gray(dir.resolve("a.png"), 3, 2, 0);
    Files.writeString(dir.resolve("notes.txt"), "not an image");
    Images im = Images.readPngFolder(dir);
    assertThat(im.channels()).isEqualTo(1);
    assertThat(im.height()).isEqualTo(2);
    assertThat(im.width()).isEqualTo(3);
    assertThat(im.pixels().row(0)).containsExactly(0, 1, 2, 10, 11, 12);
    assertThat(im.pixels().row(1)).containsExactly(100, 101, 102, 110, 111, 112);
  }

  @Test
  @DisplayName("colour PNGs give three planes R, G, B")
  void colour() throws IOException {
    BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
    img.setRGB(0, 0, (10 << 16) | (20 << 8) | 30);
    img.setRGB(1, 0, (40 << 16) | (50 << 8) | 60);
    ImageIO.write(img, "png", dir.resolve("c.png").toFile());
    Images im = Images.readPngFolder(dir);
    assertThat(im.channels()).isEqualTo(3);
    assertThat(im.pixels().row(0)).containsExactly(10, 40, 20, 50, 30, 60);
  }

  @Test
  @DisplayName("an image of another size is refused, naming the file and both sizes")
  void sizeMismatch() throws IOException {
    gray(dir.resolve("a.png"), 4, 4, 0);
    gray(dir.resolve("b.png"), 4, 5, 0);
    assertThatThrownBy(() -> Images.readPngFolder(dir))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("b.png")
        .hasMessageContaining("grayscale 4x4 like a.png, but is grayscale 4x5");
  }

  @Test
  @DisplayName("an unreadable PNG and an empty folder are refused with one-line messages")
  void unreadable() throws IOException {
    assertThatThrownBy(() -> Images.readPngFolder(dir))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("no .png file");
    Files.writeString(dir.resolve("x.png"), "garbage");
    assertThatThrownBy(() -> Images.readPngFolder(dir))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("x.png: not a readable PNG image");
  }

  @Test
  @DisplayName("IDX images with labels (gzipped)")
  void idx() throws IOException {
    byte[] images = {
      0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, (byte) 255
    };
    byte[] labels = {0, 0, 8, 1, 0, 0, 0, 2, 3, 9};
    Path x = dir.resolve("x.gz");
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(buf)) {
      g.write(images);
    }
    Files.write(x, buf.toByteArray());
    Path y = dir.resolve("y");
    Files.write(y, labels);
    Images im = Images.read(x, y);
    assertThat(im.describeShape()).isEqualTo("1x2x2");
    assertThat(im.pixels().row(1)).containsExactly(5, 6, 7, 255);
    assertThat(im.pixels().labels()).containsExactly(3, 9);
    assertThatThrownBy(() -> Images.read(dir, y))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("labels can be given only with an IDX image file");
  }

  @Test
  @DisplayName("a PNG grid reads back: tiles at their places, floored and clamped, 1-pixel border")
  void gridRoundTrip() throws IOException {
    // Two 1x2x3 images in a 1x2 grid, values in pixel units.
    Tensor px = Tensor.of(new float[] {0.5f, 10.9f, 20f, 30f, 40f, 300f, 1, 2, 3, 4, 5, -7f}, 2, 6);
    Path out = dir.resolve("grid.png");
    ImageGrid.write(out, px, 1, 2, 3, 1, 2);
    BufferedImage img = ImageIO.read(out.toFile());
    assertThat(img.getWidth()).isEqualTo(2 * 3 + 3);
    assertThat(img.getHeight()).isEqualTo(2 + 2);
    var r = img.getRaster();
    assertThat(r.getSample(1, 1, 0)).isEqualTo(0);
    assertThat(r.getSample(2, 1, 0)).isEqualTo(10);
    assertThat(r.getSample(3, 2, 0)).isEqualTo(255);
    assertThat(r.getSample(5, 1, 0)).isEqualTo(1);
    assertThat(r.getSample(7, 2, 0)).isEqualTo(0);
    try (var files = Files.list(dir)) {
      assertThat(files.count()).as("no temporary file left").isEqualTo(1);
    }
    assertThatThrownBy(() -> ImageGrid.write(out, px, 1, 2, 3, 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2 images do not fit a grid of 1 x 1");
  }
}
