package io.flows4j.bijectors.image;

import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.Spec;
import io.flows4j.bijectors.Transformed;
import io.flows4j.io.Json;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * The squeeze (space-to-depth) of Dinh, Sohl-Dickstein and Bengio 2017, "Density estimation using
 * Real NVP", section 3.6: every 2x2 block of pixels of a channel becomes 4 channels of one pixel,
 * trading resolution for channels so that later layers see a wider neighbourhood.
 *
 * <pre>
 *   forward (data to latent):  z[b, 4c + 2i + j, y, x] = x[b, c, 2y + i, 2x + j],   i, j in {0, 1}
 *   shapes:                    [B, C, H, W] -> [B, 4C, H/2, W/2]
 *   log|det| = 0 (a permutation of the elements)
 * </pre>
 *
 * The channel order {@code 4c + 2i + j} is that of the Glow code (Kingma and Dhariwal 2018): the
 * four sub-pixels of input channel {@code c} are consecutive channels. The inverse (unsqueeze,
 * depth-to-space) is exact; {@link #inverted()} returns the unsqueeze as a bijector of its own
 * ({@code [B, C, H, W] -> [B, C/4, 2H, 2W]}), with the event shapes worked out both ways.
 *
 * <p>Inputs of the squeeze must have even height and width, inputs of the unsqueeze a channel count
 * divisible by 4; other shapes are refused with a {@link io.flows4j.tensor.ShapeMismatchException}
 * naming the shape. No parameters.
 */
public final class Squeeze implements Bijector {
  /** The type name in specs. */
  public static final String TYPE = "squeeze";

  private final boolean unsqueeze;

  /** The squeeze, {@code [B, C, H, W] -> [B, 4C, H/2, W/2]}. */
  public Squeeze() {
    this(false);
  }

  private Squeeze(boolean unsqueeze) {
    this.unsqueeze = unsqueeze;
  }

  /** The unsqueeze (depth-to-space), {@code [B, C, H, W] -> [B, C/4, 2H, 2W]}. */
  public static Squeeze unsqueeze() {
    return new Squeeze(true);
  }

  /** Whether this is the unsqueeze (depth-to-space) rather than the squeeze. */
  public boolean isUnsqueeze() {
    return unsqueeze;
  }

  /**
   * Squeezes (or, for the unsqueeze, unsqueezes) {@code x}.
   *
   * @param x of shape {@code [batch, C, H, W]}, {@code H} and {@code W} even (unsqueeze: {@code C}
   *     divisible by 4)
   * @return of shape {@code [batch, 4C, H/2, W/2]} (unsqueeze: {@code [batch, C/4, 2H, 2W]}) and
   *     zeros of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code x} does not have such a shape
   */
  @Override
  public Transformed forward(Var x) {
    return unsqueeze ? depthToSpace("Squeeze.inverse", x) : spaceToDepth("Squeeze.forward", x);
  }

  /**
   * The inverse: unsqueezes (for the unsqueeze, squeezes) {@code z}.
   *
   * @param z of shape {@code [batch, C, H, W]}, {@code C} divisible by 4 (unsqueeze: {@code H} and
   *     {@code W} even)
   * @return of shape {@code [batch, C/4, 2H, 2W]} (unsqueeze: {@code [batch, 4C, H/2, W/2]}) and
   *     zeros of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code z} does not have such a shape
   */
  @Override
  public Transformed inverse(Var z) {
    return unsqueeze ? spaceToDepth("Squeeze.forward", z) : depthToSpace("Squeeze.inverse", z);
  }

  /** The opposite map as a bijector of its own: the unsqueeze for the squeeze and vice versa. */
  @Override
  public Bijector inverted() {
    return new Squeeze(!unsqueeze);
  }

  /**
   * {@code [C, H, W] -> [4C, H/2, W/2]} (unsqueeze: {@code [C/4, 2H, 2W]}).
   *
   * @throws io.flows4j.tensor.ShapeMismatchException if the event is not such a shape
   */
  @Override
  public Shape forwardEventShape(Shape inputEvent) {
    int[] e = inputEvent.dims();
    if (unsqueeze) {
      Checks.requireShape(
          e.length == 3 && e[0] % 4 == 0,
          "Squeeze.inverse: event must have shape [C, H, W] with C divisible by 4, but was %s",
          inputEvent);
      return Shape.of(e[0] / 4, 2 * e[1], 2 * e[2]);
    }
    Checks.requireShape(
        e.length == 3 && e[1] % 2 == 0 && e[2] % 2 == 0,
        "Squeeze.forward: event must have shape [C, H, W] with even H and W, but was %s",
        inputEvent);
    return Shape.of(4 * e[0], e[1] / 2, e[2] / 2);
  }

  @Override
  public Json.Obj spec() {
    return Spec.of(TYPE).put("unsqueeze", unsqueeze).build();
  }

  /** Rebuilds from a spec written by {@link #spec()}. */
  public static Squeeze fromSpec(Json.Obj spec) {
    return new Squeeze(spec.getBoolean("unsqueeze"));
  }

  @Override
  public String toString() {
    return unsqueeze ? "Unsqueeze" : "Squeeze";
  }

  static Shape squeezedShape(String op, Shape s) {
    Checks.requireShape(
        s.rank() == 4 && s.dim(2) % 2 == 0 && s.dim(3) % 2 == 0,
        "%s: input must have shape [batch, C, H, W] with even H and W, but was %s",
        op,
        s);
    return Shape.of(s.dim(0), 4 * s.dim(1), s.dim(2) / 2, s.dim(3) / 2);
  }

  static Shape depthToSpaceShape(String op, Shape s) {
    Checks.requireShape(
        s.rank() == 4 && s.dim(1) % 4 == 0,
        "%s: input must have shape [batch, C, H, W] with C divisible by 4, but was %s",
        op,
        s);
    return Shape.of(s.dim(0), s.dim(1) / 4, 2 * s.dim(2), 2 * s.dim(3));
  }

  private static Transformed spaceToDepth(String op, Var x) {
    Shape out = squeezedShape(op, x.shape());
    return permute(x, out, x.shape(), true);
  }

  private static Transformed depthToSpace(String op, Var z) {
    Shape out = depthToSpaceShape(op, z.shape());
    return permute(z, out, out, false);
  }

  /**
   * The squeeze permutation as an op: {@code wide} is the spatial (unsqueezed) shape; {@code
   * toDepth} says which way the elements move. The backward moves the gradient the other way.
   */
  private static Transformed permute(Var x, Shape outShape, Shape wide, boolean toDepth) {
    Tensor y = Tape.newValue(outShape);
    move(x.value(), y, wide, toDepth);
    Var value =
        Tape.result(
            y,
            out -> {
              if (x.requiresGrad()) {
                addMoved(out.grad(), x.grad(), wide, !toDepth);
              }
            },
            x);
    int b = outShape.dim(0);
    Var logAbsDet = Var.constant(Tape.newValue(Shape.of(b)).fill(0f));
    return new Transformed(value, logAbsDet);
  }

  /** Copies {@code src} into {@code dst} through the squeeze permutation. */
  private static void move(Tensor src, Tensor dst, Shape wide, boolean toDepth) {
    float[] s = src.data();
    float[] d = dst.data();
    int so = src.offset();
    int dOff = dst.offset();
    walk(
        wide,
        (spatial, depth) -> {
          if (toDepth) {
            d[dOff + depth] = s[so + spatial];
          } else {
            d[dOff + spatial] = s[so + depth];
          }
        });
  }

  /** Adds {@code src} into {@code dst} through the squeeze permutation. */
  private static void addMoved(Tensor src, Tensor dst, Shape wide, boolean toDepth) {
    float[] s = src.data();
    float[] d = dst.data();
    int so = src.offset();
    int dOff = dst.offset();
    walk(
        wide,
        (spatial, depth) -> {
          if (toDepth) {
            d[dOff + depth] += s[so + spatial];
          } else {
            d[dOff + spatial] += s[so + depth];
          }
        });
  }

  private interface IndexPair {
    void accept(int spatial, int depth);
  }

  /**
   * Visits every element once with its flat index in the spatial layout {@code [B, C, H, W]} and in
   * the squeezed layout {@code [B, 4C, H/2, W/2]}.
   */
  private static void walk(Shape wide, IndexPair f) {
    int b = wide.dim(0);
    int c = wide.dim(1);
    int h = wide.dim(2);
    int w = wide.dim(3);
    int h2 = h / 2;
    int w2 = w / 2;
    for (int n = 0; n < b; n++) {
      for (int ch = 0; ch < c; ch++) {
        int spatialBase = (n * c + ch) * h * w;
        int depthBase = (n * c + ch) * 4 * h2 * w2;
        for (int yy = 0; yy < h; yy++) {
          int i = yy & 1;
          int y2 = yy >> 1;
          for (int xx = 0; xx < w; xx++) {
            int j = xx & 1;
            int depth = depthBase + ((2 * i + j) * h2 + y2) * w2 + (xx >> 1);
            f.accept(spatialBase + yy * w + xx, depth);
          }
        }
      }
    }
  }
}
