package io.flows4j.data;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Writes images as one PNG grid ({@code rows x columns} tiles with a 1-pixel border between them),
 * atomically (see {@link AtomicFiles}). Pixel values are in pixel units: each is floored and
 * clamped to {@code 0..255}, so dequantized values {@code p + u} come back as {@code p}.
 */
public final class ImageGrid {
  /** The border between tiles, in pixels. */
  static final int BORDER = 1;

  private ImageGrid() {}

  /**
   * Writes the first {@code rows * columns} images of {@code pixels} (fewer leave empty tiles).
   *
   * @param pixels of shape {@code [n, C H W]} or {@code [n, C, H, W]}, {@code C} 1 (gray) or 3
   *     (colour), values in pixel units
   * @param channels {@code C}
   * @param height {@code H}
   * @param width {@code W}
   * @throws IllegalArgumentException if a size is not positive, {@code C} is not 1 or 3, or there
   *     are more images than tiles
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code pixels} does not hold such images
   * @throws UncheckedIOException if the file cannot be written (it is then left unchanged)
   */
  public static void write(
      Path out, Tensor pixels, int channels, int height, int width, int rows, int columns) {
    Checks.requirePositive(rows, "ImageGrid.write", "rows");
    Checks.requirePositive(columns, "ImageGrid.write", "columns");
    Checks.requireArgument(
        channels == 1 || channels == 3,
        "ImageGrid.write: channels must be 1 or 3, but was %d",
        channels);
    int d = channels * height * width;
    int n = pixels.shape().dim(0);
    Checks.requireShape(
        pixels.size() == n * d,
        "ImageGrid.write: pixels must hold images of %d x %d x %d, but has shape %s",
        channels,
        height,
        width,
        pixels.shape());
    Checks.requireArgument(
        n <= rows * columns,
        "ImageGrid.write: %d images do not fit a grid of %d x %d",
        n,
        rows,
        columns);
    int gw = columns * width + (columns + 1) * BORDER;
    int gh = rows * height + (rows + 1) * BORDER;
    BufferedImage img =
        new BufferedImage(
            gw, gh, channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
    var raster = img.getRaster();
    int plane = height * width;
    for (int k = 0; k < n; k++) {
      int x0 = BORDER + (k % columns) * (width + BORDER);
      int y0 = BORDER + (k / columns) * (height + BORDER);
      int at = k * d;
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          int i = at + y * width + x;
          if (channels == 1) {
            raster.setSample(x0 + x, y0 + y, 0, level(pixels.getFlat(i)));
          } else {
            int r = level(pixels.getFlat(i));
            int g = level(pixels.getFlat(i + plane));
            int b = level(pixels.getFlat(i + 2 * plane));
            img.setRGB(x0 + x, y0 + y, (r << 16) | (g << 8) | b);
          }
        }
      }
    }
    AtomicFiles.write(
        out,
        stream -> {
          if (!ImageIO.write(img, "png", stream)) {
            throw new IOException("no PNG writer is available");
          }
        });
  }

  /** The 8-bit level of a value in pixel units: floored, clamped to 0..255, NaN as 0. */
  static int level(float v) {
    if (!(v > 0)) {
      return 0;
    }
    return v >= 255 ? 255 : (int) v;
  }
}
