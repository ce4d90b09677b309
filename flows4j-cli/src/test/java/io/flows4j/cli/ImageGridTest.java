package io.flows4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ImageGridTest {
  @Test
  @DisplayName("each image pixel becomes a scale x scale square of its grey level")
  void pixelsAreScaledGreyLevels() {
    // Two 2x3 images side by side, no labels, no title: the first pixel of the grid is at the
    // margin, the second image starts one cell and one gap further right.
    float[] a = {0, 0.5f, 1, -3, 2, Float.NaN};
    float[] b = {1, 1, 1, 1, 1, 0.25f};
    BufferedImage im = ImageGrid.draw(List.of(a, b), 2, 3, 2, List.of(), null, 3);
    int m = 8;
    assertThat(grey(im, m, m)).isZero();
    assertThat(grey(im, m + 2, m + 2)).isZero();
    assertThat(grey(im, m + 3, m)).isEqualTo(128);
    assertThat(grey(im, m + 6 + 2, m + 2)).isEqualTo(255);
    assertThat(grey(im, m, m + 3)).as("clipped below 0").isZero();
    assertThat(grey(im, m + 3, m + 3)).as("clipped above 1").isEqualTo(255);
    assertThat(grey(im, m + 6, m + 3)).as("NaN drawn black").isZero();
    int second = m + 3 * 3 + 2;
    assertThat(grey(im, second, m)).isEqualTo(255);
    assertThat(grey(im, second + 6, m + 3)).isEqualTo(64);
    // The gap between the images is background (white).
    assertThat(grey(im, m + 9, m)).isEqualTo(255);
    assertThat(im.getWidth()).isEqualTo(m + 2 * 9 + 2 + m);
    assertThat(im.getHeight()).isEqualTo(m + 6 + m);
  }

  @Test
  @DisplayName("a label per row moves the grid right; counts that do not agree are refused")
  void labelsAndErrors() {
    float[] a = new float[4];
    BufferedImage plain = ImageGrid.draw(List.of(a, a), 2, 2, 1, List.of(), null, 1);
    BufferedImage labelled =
        ImageGrid.draw(List.of(a, a), 2, 2, 1, List.of("one", "two"), "title", 1);
    assertThat(labelled.getWidth()).isGreaterThan(plain.getWidth());
    assertThat(labelled.getHeight()).isGreaterThan(plain.getHeight());
    assertThatThrownBy(() -> ImageGrid.draw(List.of(a, a, a), 2, 2, 2, List.of(), null, 1))
        .hasMessage(
            "ImageGrid: the number of images must be a positive multiple of 2 columns, but was 3");
    assertThatThrownBy(() -> ImageGrid.draw(List.of(a, a), 2, 2, 1, List.of("x"), null, 1))
        .hasMessage("ImageGrid: there must be one label per row (2), but there were 1");
    assertThatThrownBy(() -> ImageGrid.draw(List.of(new float[3]), 2, 2, 1, List.of(), null, 1))
        .hasMessage("ImageGrid: every image must have 2 x 2 = 4 values, but one had 3");
  }

  private static int grey(BufferedImage im, int x, int y) {
    return im.getRGB(x, y) & 0xFF;
  }
}
