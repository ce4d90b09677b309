package io.flows4j.nn;

import io.flows4j.autodiff.LinearOps;
import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;
import java.util.SplittableRandom;

/**
 * A dense layer {@code y = act(x W^T + b)}, or with a context input {@code y = act(x W^T + c V^T +
 * b)}, computed by one fused op ({@link LinearOps#linear}, {@link LinearOps#contextLinear}).
 *
 * <p>Parameters: {@code weight} {@code W} of shape {@code [out, in]}, {@code bias} of shape {@code
 * [out]} and, with a context, {@code context_weight} {@code V} of shape {@code [out, context]}; all
 * initialised {@code U(-1/sqrt(fanIn), 1/sqrt(fanIn))} as in PyTorch, with {@code fanIn = in +
 * context} (the layer is a dense layer on the concatenation {@code [x, c]}).
 */
public final class Linear extends UnaryModule {
  private final int in;
  private final int out;
  private final int context;
  private final Activation activation;
  private final Parameter weight;
  private final Parameter contextWeight;
  private final Parameter bias;

  /**
   * A layer without activation, with bias.
   *
   * @throws IllegalArgumentException if a size is not positive
   */
  public Linear(int in, int out, long seed) {
    this(in, out, 0, Activation.IDENTITY, true, seed);
  }

  /**
   * A layer with a fused activation and an optional bias.
   *
   * @throws IllegalArgumentException if a size is not positive
   */
  public Linear(int in, int out, Activation activation, boolean bias, long seed) {
    this(in, out, 0, activation, bias, seed);
  }

  /**
   * A layer with an optional context input, a fused activation and an optional bias.
   *
   * @param in input features, at least 1
   * @param out output features, at least 1
   * @param context context features, 0 for none
   * @param activation applied to every output
   * @param bias whether to add a bias
   * @param seed seed of the initial values
   * @throws IllegalArgumentException if a size is out of range
   */
  public Linear(int in, int out, int context, Activation activation, boolean bias, long seed) {
    this.in = Checks.requirePositive(in, "Linear", "in");
    this.out = Checks.requirePositive(out, "Linear", "out");
    this.context = Checks.requireNonNegative(context, "Linear", "context");
    Checks.requireArgument(activation != null, "Linear: activation must not be null");
    this.activation = activation;
    SplittableRandom random = new SplittableRandom(seed);
    int fanIn = in + context;
    this.weight =
        registerParameter("weight", Init.uniformFanIn(Tensor.zeros(out, in), fanIn, random));
    this.contextWeight =
        context > 0
            ? registerParameter(
                "context_weight", Init.uniformFanIn(Tensor.zeros(out, context), fanIn, random))
            : null;
    this.bias =
        bias
            ? registerParameter("bias", Init.uniformFanIn(Tensor.zeros(out), fanIn, random))
            : null;
  }

  /**
   * Applies the layer.
   *
   * @param x of shape {@code [batch, in]}
   * @return of shape {@code [batch, out]}
   * @throws IllegalStateException if the layer was built with a context input
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code x} is not {@code [batch, in]}
   */
  @Override
  public Var forward(Var x) {
    if (context > 0) {
      throw new IllegalStateException(
          "Linear.forward: this layer takes a context of " + context + " features");
    }
    return LinearOps.linear(x, weight.var(), bias == null ? null : bias.var(), activation);
  }

  /**
   * Applies the layer to an input and its context.
   *
   * @param x of shape {@code [batch, in]}
   * @param c of shape {@code [batch, context]}
   * @return of shape {@code [batch, out]}
   * @throws IllegalStateException if the layer was built without a context input
   * @throws io.flows4j.tensor.ShapeMismatchException if a shape does not fit
   */
  public Var forward(Var x, Var c) {
    if (context == 0) {
      throw new IllegalStateException("Linear.forward: this layer takes no context");
    }
    return LinearOps.contextLinear(
        x,
        weight.var(),
        null,
        c,
        contextWeight.var(),
        bias == null ? null : bias.var(),
        activation);
  }

  /** Sets every parameter to zero, so the layer outputs {@code act(0)}; returns this layer. */
  public Linear zeroInit() {
    for (var p : parameters()) {
      Init.zeros(p.value());
    }
    return this;
  }

  /** Input features. */
  public int inFeatures() {
    return in;
  }

  /** Output features. */
  public int outFeatures() {
    return out;
  }

  /** Context features (0 for none). */
  public int contextFeatures() {
    return context;
  }

  /** The fused activation. */
  public Activation activation() {
    return activation;
  }

  /** The weight, of shape {@code [out, in]}. */
  public Parameter weight() {
    return weight;
  }

  /** The bias, of shape {@code [out]}, or {@code null} when the layer has none. */
  public Parameter bias() {
    return bias;
  }
}
