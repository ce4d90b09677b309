package io.flows4j.bijectors.image;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.ShapeOps;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorRegistry;
import io.flows4j.bijectors.ConditionalBijector;
import io.flows4j.bijectors.Contexts;
import io.flows4j.bijectors.Spec;
import io.flows4j.bijectors.Transformed;
import io.flows4j.io.Json;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * The multi-scale architecture of Dinh, Sohl-Dickstein and Bengio 2017 ("Density estimation using
 * Real NVP", section 3.6) and Kingma and Dhariwal 2018 ("Glow", section 3): a flow over images in
 * {@code L} levels, where each level but the last factors out half of its channels as latent
 * values, so that later levels work on fewer, coarser features.
 *
 * <pre>
 *   h_0 = x                                    of shape [B, C, H, W]
 *   for l = 0 .. L-1:
 *     h = level_l(h_l)                         of shape [B, C_l, H_l, W_l]  (a level usually begins
 *                                              with a Squeeze, then K flow steps)
 *     l &lt; L-1:  z_l = h[:, C_l/2 :],  h_(l+1) = h[:, : C_l/2]   (factor out the second half)
 *     l = L-1:  z_l = h                        (the last level keeps everything)
 *   z = [flat(z_0) | flat(z_1) | ... | flat(z_(L-1))]            of shape [B, C H W]
 *   log|det dz/dx| = sum_l log|det d level_l|
 * </pre>
 *
 * <p><b>Latent layout.</b> The latent value of an image is one flat vector of {@code D = C H W}
 * elements: the factored-out tensor of level 0 flattened row-major ({@code [C_0/2, H_0, W_0]}),
 * then that of level 1, and so on, the last level's whole output last; {@link #latentShapes()}
 * gives each piece's shape. With a base that is a product over the pieces (a {@link
 * io.flows4j.distributions.DiagonalGaussian} over {@code [D]} with a learned mean and log-scale per
 * element <em>is</em> the product of a learned diagonal Gaussian per level), {@code log p(x) =
 * sum_l log p_l(z_l) + log|det dz/dx|}, the multi-scale density; so a {@code MultiScale} and such a
 * base make an ordinary {@link io.flows4j.flows.Flow} (or, with a conditional base, a {@link
 * io.flows4j.flows.ConditionalFlow}).
 *
 * <p><b>Shapes.</b> The data side is the image flattened row-major, {@code [B, C H W]} (the rows of
 * a data set, as {@link io.flows4j.data.Images} reads them), so that the flow fits every
 * table-based tool (training, model files, encode and decode): {@link #forward} takes {@code [B, C
 * H W]} (or, for convenience, images {@code [B, C, H, W]}) and returns {@code [B, D]}; {@link
 * #inverse} takes {@code [B, D]} and returns {@code [B, C H W]}, which {@code reshape(B, C, H, W)}
 * views as images.
 *
 * <p><b>Context.</b> When some levels are conditional (all on the same number of context features
 * {@code C}), this is a conditional family on {@code C} like a {@link io.flows4j.bijectors.Chain}:
 * the context reaches every conditional level, and the context-free methods refuse.
 *
 * <p>Levels that are modules are children named {@code 0}, {@code 1}, ... (parameters {@code
 * 0.1.bias} and so on).
 */
public final class MultiScale extends Module implements Bijector, ConditionalBijector {
  /** The type name in specs. */
  public static final String TYPE = "multi-scale";

  private final Shape image;
  private final List<Bijector> levels;

  /** The input shape of each level, {@code [C, H, W]}. */
  private final Shape[] levelInputs;

  /** The output shape of each level, {@code [C_l, H_l, W_l]}. */
  private final Shape[] levelOutputs;

  /** The shape of each level's latent piece. */
  private final Shape[] latents;

  private final int[] latentSizes;
  private final int context;

  /**
   * Creates the architecture.
   *
   * @param channels {@code C} of the input images
   * @param height {@code H}
   * @param width {@code W}
   * @param levels the levels in forward order, each mapping {@code [B, C_in, H_in, W_in]} to {@code
   *     [B, C_l, H_l, W_l]} (its {@link Bijector#forwardEventShape} must say so); every level but
   *     the last must produce an even number of channels
   * @throws IllegalArgumentException if a size is not positive, there are no levels, conditional
   *     levels disagree on the context size, or a level but the last has an odd channel count
   * @throws io.flows4j.tensor.ShapeMismatchException if a level does not accept the previous one's
   *     output
   */
  public MultiScale(int channels, int height, int width, List<? extends Bijector> levels) {
    Checks.requirePositive(channels, "MultiScale", "channels");
    Checks.requirePositive(height, "MultiScale", "height");
    Checks.requirePositive(width, "MultiScale", "width");
    Checks.requireArgument(
        levels != null && !levels.isEmpty(), "MultiScale: needs at least one level, but got none");
    this.image = Shape.of(channels, height, width);
    this.levels = List.copyOf(levels);
    int n = this.levels.size();
    this.levelInputs = new Shape[n];
    this.levelOutputs = new Shape[n];
    this.latents = new Shape[n];
    this.latentSizes = new int[n];
    Shape in = image;
    int c = 0;
    for (int l = 0; l < n; l++) {
      Bijector level = this.levels.get(l);
      levelInputs[l] = in;
      Shape out = level.forwardEventShape(in);
      Checks.requireShape(
          out.rank() == 3 && out.size() == in.size(),
          "MultiScale: level %d must map %s to an image [C, H, W] of as many elements, but maps it"
              + " to %s",
          l,
          in,
          out);
      levelOutputs[l] = out;
      if (l < n - 1) {
        Checks.requireArgument(
            out.dim(0) % 2 == 0,
            "MultiScale: level %d must produce an even number of channels to factor out half,"
                + " but produces %s",
            l,
            out);
        latents[l] = Shape.of(out.dim(0) / 2, out.dim(1), out.dim(2));
        in = latents[l];
      } else {
        latents[l] = out;
      }
      latentSizes[l] = latents[l].size();
      if (Contexts.isConditional(level)) {
        int cl = ((ConditionalBijector) level).contextFeatures();
        Checks.requireArgument(
            c == 0 || c == cl,
            "MultiScale: every conditional level must take the same context features %d, but"
                + " level %d takes %d",
            c,
            l,
            cl);
        c = cl;
      }
      if (level instanceof Module m) {
        registerModule(Integer.toString(l), m);
      }
    }
    this.context = c;
  }

  /** The image shape {@code [C, H, W]} this flow is built for. */
  public Shape imageShape() {
    return image;
  }

  /** The levels in forward order. */
  public List<Bijector> levels() {
    return levels;
  }

  /**
   * The shape of each level's piece of the latent vector, in the order they are laid out: level
   * {@code l}'s factored-out half {@code [C_l/2, H_l, W_l]}, and the last level's whole output.
   */
  public List<Shape> latentShapes() {
    return List.of(latents);
  }

  /** The number of elements of a latent vector, {@code C H W}. */
  public int latentSize() {
    return image.size();
  }

  @Override
  public int contextFeatures() {
    return context;
  }

  @Override
  public Transformed forward(Var x) {
    Contexts.requireNone("MultiScale", "forward", context);
    return forward(x, null);
  }

  @Override
  public Transformed inverse(Var z) {
    Contexts.requireNone("MultiScale", "inverse", context);
    return inverse(z, null);
  }

  /**
   * Maps images to their latent vectors, the conditional levels at the context.
   *
   * @param x of shape {@code [B, C, H, W]} or {@code [B, C H W]}
   * @param c of shape {@code [B, C_ctx]} or {@code [1, C_ctx]}; {@code null} when no level is
   *     conditional
   * @return {@code z} of shape {@code [B, C H W]} and {@code log|det dz/dx|} of shape {@code [B]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code x} is not such a shape
   * @throws IllegalArgumentException if a context is missing or not wanted
   */
  @Override
  public Transformed forward(Var x, Var c) {
    int b = x.shape().dim(0);
    Contexts.rows("MultiScale.forward", c, b, context);
    Var h = images("MultiScale.forward", x);
    Var logAbsDet = null;
    Var[] pieces = new Var[levels.size()];
    for (int l = 0; l < levels.size(); l++) {
      Transformed t = apply(levels.get(l), h, c, true);
      logAbsDet = logAbsDet == null ? t.logAbsDet() : ArithmeticOps.add(logAbsDet, t.logAbsDet());
      Var flat = ShapeOps.reshape(t.value(), b, levelOutputs[l].size());
      if (l < levels.size() - 1) {
        Var[] halves = ShapeOps.split(flat, 1, latentSizes[l], latentSizes[l]);
        pieces[l] = halves[1];
        h = ShapeOps.reshape(halves[0], batched(b, latents[l]));
      } else {
        pieces[l] = flat;
      }
    }
    return new Transformed(pieces.length == 1 ? pieces[0] : ShapeOps.concat(1, pieces), logAbsDet);
  }

  /**
   * Maps latent vectors to images, the conditional levels at the context.
   *
   * @param z of shape {@code [B, C H W]}
   * @param c of shape {@code [B, C_ctx]} or {@code [1, C_ctx]}; {@code null} when no level is
   *     conditional
   * @return images flattened, of shape {@code [B, C H W]}, and {@code log|det dx/dz|} of shape
   *     {@code [B]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code z} is not {@code [B, C H W]}
   * @throws IllegalArgumentException if a context is missing or not wanted
   */
  @Override
  public Transformed inverse(Var z, Var c) {
    Checks.requireShape(
        z.shape().rank() == 2 && z.shape().dim(1) == image.size(),
        "MultiScale.inverse: latent must have shape [batch, %d], but was %s",
        image.size(),
        z.shape());
    int b = z.shape().dim(0);
    Contexts.rows("MultiScale.inverse", c, b, context);
    int n = levels.size();
    Var[] pieces = n == 1 ? new Var[] {z} : ShapeOps.split(z, 1, latentSizes);
    Var h = pieces[n - 1];
    Var logAbsDet = null;
    for (int l = n - 1; l >= 0; l--) {
      if (l < n - 1) {
        h = ShapeOps.concat(1, ShapeOps.reshape(h, b, latentSizes[l]), pieces[l]);
      }
      Transformed t =
          apply(levels.get(l), ShapeOps.reshape(h, batched(b, levelOutputs[l])), c, false);
      logAbsDet = logAbsDet == null ? t.logAbsDet() : ArithmeticOps.add(logAbsDet, t.logAbsDet());
      h = t.value();
    }
    return new Transformed(ShapeOps.reshape(h, b, image.size()), logAbsDet);
  }

  /** {@code [C H W]} for an input of {@code [C, H, W]} or {@code [C H W]}. */
  @Override
  public Shape forwardEventShape(Shape inputEvent) {
    Checks.requireShape(
        inputEvent.equals(image) || inputEvent.equals(Shape.of(image.size())),
        "MultiScale: input event must be %s or [%d], but was %s",
        image,
        image.size(),
        inputEvent);
    return Shape.of(image.size());
  }

  @Override
  public Json.Obj spec() {
    List<Json> specs = new ArrayList<>(levels.size());
    for (Bijector level : levels) {
      specs.add(level.spec());
    }
    return Spec.of(TYPE).put("image", image.dims()).put("levels", Json.array(specs)).build();
  }

  /** Rebuilds (with fresh weights) from a spec written by {@link #spec()}. */
  public static MultiScale fromSpec(Json.Obj spec) {
    int[] shape = spec.getArray("image").toIntArray();
    Checks.requireArgument(
        shape.length == 3,
        "MultiScale: spec member 'image' must be [C, H, W], but had %d entries",
        shape.length);
    Json.Arr arr = spec.getArray("levels");
    List<Bijector> built = new ArrayList<>(arr.size());
    for (int i = 0; i < arr.size(); i++) {
      if (!(arr.get(i) instanceof Json.Obj o)) {
        throw new IllegalArgumentException(
            "MultiScale: level " + i + " must be an object, but was " + arr.get(i).typeName());
      }
      built.add(BijectorRegistry.build(o));
    }
    return new MultiScale(shape[0], shape[1], shape[2], built);
  }

  @Override
  public String toString() {
    return "MultiScale" + image + " with " + levels.size() + " levels";
  }

  private Var images(String op, Var x) {
    Shape s = x.shape();
    int b = s.dim(0);
    if (s.rank() == 2 && s.dim(1) == image.size()) {
      return ShapeOps.reshape(x, batched(b, image));
    }
    Checks.requireShape(
        s.rank() == 4
            && s.dim(1) == image.dim(0)
            && s.dim(2) == image.dim(1)
            && s.dim(3) == image.dim(2),
        "%s: input must have shape [batch, %d, %d, %d] or [batch, %d], but was %s",
        op,
        image.dim(0),
        image.dim(1),
        image.dim(2),
        image.size(),
        s);
    return x;
  }

  private static Transformed apply(Bijector level, Var h, Var c, boolean forward) {
    if (Contexts.isConditional(level)) {
      ConditionalBijector cb = (ConditionalBijector) level;
      return forward ? cb.forward(h, c) : cb.inverse(h, c);
    }
    return forward ? level.forward(h) : level.inverse(h);
  }

  private static int[] batched(int b, Shape event) {
    return new int[] {b, event.dim(0), event.dim(1), event.dim(2)};
  }
}
