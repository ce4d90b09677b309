package io.flows4j.nn;

import io.flows4j.autodiff.LinearOps;
import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;
import java.util.SplittableRandom;

/**
 * A dense layer with a fixed connectivity mask, {@code y = act(x (W ⊙ M)^T + b)}, optionally with
 * an unmasked context input {@code + c V^T}: the layer of MADE (Germain et al. 2015, MADE: Masked
 * Autoencoder for Distribution Estimation). The masked weight's gradient is masked too, and masked
 * entries start at zero, so the stored weight always equals {@code W ⊙ M}.
 *
 * <p>Parameters: {@code weight} of shape {@code [out, in]}, {@code bias} of shape {@code [out]}
 * and, with a context, {@code context_weight} of shape {@code [out, context]}; initialised as
 * {@link Linear}. The mask is a constant, not a parameter, and is not saved.
 */
public final class MaskedLinear extends UnaryModule {
  private final int in;
  private final int out;
  private final int context;
  private final Tensor mask;
  private final Activation activation;
  private final Parameter weight;
  private final Parameter contextWeight;
  private final Parameter bias;

  /**
   * Creates the layer.
   *
   * @param mask of shape {@code [out, in]}, entries 0 or 1; copied
   * @param context context features, 0 for none
   * @param activation applied to every output
   * @param seed seed of the initial values
   * @throws IllegalArgumentException if the mask has entries other than 0 and 1, or a size is out
   *     of range
   */
  public MaskedLinear(Tensor mask, int context, Activation activation, long seed) {
    Checks.requireShape(
        mask.rank() == 2, "MaskedLinear: mask must have shape [out, in], but was %s", mask.shape());
    this.out = Checks.requirePositive(mask.dim(0), "MaskedLinear", "mask rows (out)");
    this.in = Checks.requirePositive(mask.dim(1), "MaskedLinear", "mask columns (in)");
    this.context = Checks.requireNonNegative(context, "MaskedLinear", "context");
    for (int i = 0; i < mask.size(); i++) {
      float m = mask.getFlat(i);
      Checks.requireArgument(
          m == 0f || m == 1f, "MaskedLinear: mask entries must be 0 or 1, but found %s", m);
    }
    Checks.requireArgument(activation != null, "MaskedLinear: activation must not be null");
    this.mask = mask.copy();
    this.activation = activation;
    SplittableRandom random = new SplittableRandom(seed);
    int fanIn = in + context;
    Tensor w = Init.uniformFanIn(Tensor.zeros(out, in), fanIn, random);
    for (int i = 0; i < w.size(); i++) {
      w.setFlat(i, w.getFlat(i) * this.mask.getFlat(i));
    }
    this.weight = registerParameter("weight", w);
    this.contextWeight =
        context > 0
            ? registerParameter(
                "context_weight", Init.uniformFanIn(Tensor.zeros(out, context), fanIn, random))
            : null;
    this.bias = registerParameter("bias", Init.uniformFanIn(Tensor.zeros(out), fanIn, random));
  }

  /**
   * Applies the layer.
   *
   * @param x of shape {@code [batch, in]}
   * @return of shape {@code [batch, out]}
   * @throws IllegalStateException if the layer was built with a context input
   */
  @Override
  public Var forward(Var x) {
    if (context > 0) {
      throw new IllegalStateException(
          "MaskedLinear.forward: this layer takes a context of " + context + " features");
    }
    return LinearOps.maskedLinear(x, weight.var(), mask, bias.var(), activation);
  }

  /**
   * Applies the layer to an input and its context.
   *
   * @param x of shape {@code [batch, in]}
   * @param c of shape {@code [batch, context]}
   * @return of shape {@code [batch, out]}
   * @throws IllegalStateException if the layer was built without a context input
   */
  public Var forward(Var x, Var c) {
    if (context == 0) {
      throw new IllegalStateException("MaskedLinear.forward: this layer takes no context");
    }
    return LinearOps.contextLinear(
        x, weight.var(), mask, c, contextWeight.var(), bias.var(), activation);
  }

  /** Sets every parameter to zero; returns this layer. */
  public MaskedLinear zeroInit() {
    for (Parameter p : parameters()) {
      Init.zeros(p.value());
    }
    return this;
  }

  /** A copy of the mask, of shape {@code [out, in]}. */
  public Tensor mask() {
    return mask.copy();
  }

  /** The mask's shape, {@code [out, in]}. */
  public Shape shape() {
    return mask.shape();
  }

  /** Context features (0 for none). */
  public int contextFeatures() {
    return context;
  }

  /** The weight, of shape {@code [out, in]}. */
  public Parameter weight() {
    return weight;
  }
}
