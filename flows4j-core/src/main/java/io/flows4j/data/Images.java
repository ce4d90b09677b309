package io.flows4j.data;

import io.flows4j.tensor.Checks;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * A set of images of one size as rows of 8-bit pixel values: each row is one image {@code [C, H,
 * W]} flattened row-major (channel by channel), values {@code 0..255} as read (not rescaled), with
 * optional integer labels. This is the form the image flows train on (their data side is the
 * flattened image; see {@link io.flows4j.bijectors.image.MultiScale}).
 *
 * <p>Sources: an IDX file of {@code [N, H, W]} unsigned bytes (MNIST, Fashion-MNIST; gzipped or
 * not) with an optional IDX label file, or a folder of PNG images (grayscale gives {@code C = 1},
 * colour {@code C = 3}; an alpha channel is dropped), read in file-name order.
 *
 * @param pixels {@code N} rows of {@code C H W} pixel values named {@code x0, x1, ...}, with labels
 *     when the source has them
 * @param channels {@code C}
 * @param height {@code H}
 * @param width {@code W}
 */
public record Images(Dataset pixels, int channels, int height, int width) {
  /** Checks that the rows hold images of the given shape. */
  public Images {
    Checks.requireArgument(pixels != null, "Images: pixels must not be null");
    Checks.requirePositive(channels, "Images", "channels");
    Checks.requirePositive(height, "Images", "height");
    Checks.requirePositive(width, "Images", "width");
    Checks.requireShape(
        pixels.columns() == channels * height * width,
        "Images: rows must have C H W = %d values for images [%d, %d, %d], but have %d",
        channels * height * width,
        channels,
        height,
        width,
        pixels.columns());
  }

  /** The number of values of one image, {@code C H W}. */
  public int dimension() {
    return channels * height * width;
  }

  /** The number of images. */
  public int count() {
    return pixels.rows();
  }

  /** The shape of one image as {@code CxHxW} (e.g. {@code 1x28x28}). */
  public String describeShape() {
    return channels + "x" + height + "x" + width;
  }

  /** The first {@code n} images (all of them when there are fewer). */
  public Images first(int n) {
    Checks.requireNonNegative(n, "Images.first", "n");
    return new Images(pixels.slice(0, Math.min(n, count())), channels, height, width);
  }

  /**
   * Reads images from an IDX file (rank 3, {@code [N, H, W]}) with, when {@code labels} is not
   * {@code null}, their labels from an IDX label file.
   *
   * @throws DataFormatException if a file is not valid IDX, the images are not of rank 3 or the
   *     counts of images and labels differ
   * @throws UncheckedIOException if a file cannot be read
   */
  public static Images readIdx(Path images, Path labels) {
    IdxData x = IdxReader.read(images);
    int[] dims = x.dims();
    if (dims.length != 3) {
      throw new DataFormatException(
          images
              + ": images must have 3 dimensions [N, H, W], but the file has "
              + IdxReader.shape(dims));
    }
    Dataset d = x.toDataset();
    if (labels != null) {
      int[] y = IdxReader.read(labels).labels();
      if (y.length != x.count()) {
        throw new DataFormatException(
            images
                + " has "
                + x.count()
                + " images, but "
                + labels
                + " has "
                + y.length
                + " labels");
      }
      d = d.withLabels(y);
    }
    return new Images(d, 1, dims[1], dims[2]);
  }

  /**
   * Reads every {@code .png} file of a folder (not its sub-folders), in file-name order. All must
   * have the same size and the same kind (grayscale or colour).
   *
   * @throws DataFormatException if the folder holds no PNG file, a file is not a readable image, or
   *     an image differs in size or kind from the first (naming the file and both sizes)
   * @throws UncheckedIOException if the folder cannot be listed
   */
  public static Images readPngFolder(Path folder) {
    List<Path> files;
    try (Stream<Path> s = Files.list(folder)) {
      files =
          s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png"))
              .filter(Files::isRegularFile)
              .sorted()
              .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(
          folder + ": cannot list the folder (" + e.getMessage() + ")", e);
    }
    if (files.isEmpty()) {
      throw new DataFormatException(folder + ": the folder holds no .png file");
    }
    int c = 0;
    int h = 0;
    int w = 0;
    float[] values = null;
    List<String> first = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      Path f = files.get(i);
      BufferedImage img = readPng(f);
      int ci = img.getColorModel().getNumColorComponents() >= 3 ? 3 : 1;
      if (i == 0) {
        c = ci;
        h = img.getHeight();
        w = img.getWidth();
        values = new float[Math.multiplyExact(files.size(), c * h * w)];
        first.add(f.getFileName().toString());
      } else if (ci != c || img.getHeight() != h || img.getWidth() != w) {
        throw new DataFormatException(
            String.format(
                Locale.ROOT,
                "%s: image must be %s like %s, but is %s",
                f,
                describe(c, h, w),
                first.get(0),
                describe(ci, img.getHeight(), img.getWidth())));
      }
      pixels(img, c, values, i * c * h * w);
    }
    return new Images(new Dataset(values, files.size(), Names.defaults(c * h * w), null), c, h, w);
  }

  /**
   * Reads {@code path}: a folder of PNG images, or an IDX image file (with {@code labels}, an IDX
   * label file or {@code null}).
   *
   * @throws DataFormatException as {@link #readPngFolder} or {@link #readIdx}, or if labels are
   *     given for a folder
   * @throws UncheckedIOException if the source cannot be read
   */
  public static Images read(Path path, Path labels) {
    if (Files.isDirectory(path)) {
      if (labels != null) {
        throw new DataFormatException(
            path + ": labels can be given only with an IDX image file, not with a folder of PNGs");
      }
      return readPngFolder(path);
    }
    return readIdx(path, labels);
  }

  private static String describe(int c, int h, int w) {
    return (c == 1 ? "grayscale " : "colour ") + w + "x" + h;
  }

  private static BufferedImage readPng(Path f) {
    BufferedImage img;
    try {
      img = ImageIO.read(f.toFile());
    } catch (IOException e) {
      throw new DataFormatException(f + ": not a readable PNG image (" + e.getMessage() + ")", e);
    }
    if (img == null) {
      throw new DataFormatException(f + ": not a readable PNG image");
    }
    return img;
  }

  /** Writes the pixels of {@code img} as {@code c} planes into {@code out} from {@code at}. */
  private static void pixels(BufferedImage img, int c, float[] out, int at) {
    int h = img.getHeight();
    int w = img.getWidth();
    var raster = img.getRaster();
    boolean direct = c == 1 && raster.getNumBands() == 1 && img.getColorModel().getPixelSize() <= 8;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (direct) {
          // 8-bit (or fewer) gray: the raw sample, scaled to 0..255 for 1-, 2- and 4-bit images.
          int bits = img.getColorModel().getComponentSize(0);
          int v = raster.getSample(x, y, 0);
          out[at + y * w + x] = bits == 8 ? v : Math.round(v * 255f / ((1 << bits) - 1));
        } else {
          int rgb = img.getRGB(x, y);
          if (c == 1) {
            // A gray image stored another way (16-bit, palette): its red channel is the gray.
            out[at + y * w + x] = (rgb >> 16) & 0xFF;
          } else {
            out[at + y * w + x] = (rgb >> 16) & 0xFF;
            out[at + h * w + y * w + x] = (rgb >> 8) & 0xFF;
            out[at + 2 * h * w + y * w + x] = rgb & 0xFF;
          }
        }
      }
    }
  }
}
