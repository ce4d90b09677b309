package io.flows4j.nn;

import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.kernels.Activation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A multilayer perceptron {@code sizes[0] -> sizes[1] -> ... -> sizes[n-1]}: fused dense layers
 * ({@link Linear}) with the hidden activation inside every layer but the last, which is linear.
 * Layers are children {@code 0, 1, ...}, so parameters are named {@code 0.weight}, {@code 0.bias},
 * {@code 1.weight}, ....
 *
 * <p>With {@code zeroOutput}, the last layer starts at zero so the network outputs zeros: a flow
 * whose conditioners output shift and log-scale starts as the identity. With context features, the
 * first layer also reads a context {@code c} (a conditional conditioner), without concatenating it
 * to the input.
 */
public final class MLP extends UnaryModule {
  private final int[] sizes;
  private final int context;
  private final List<Linear> layers;

  /**
   * An MLP with random initial values everywhere.
   *
   * @throws IllegalArgumentException if fewer than two sizes are given or a size is not positive
   */
  public MLP(int[] sizes, Activation hidden, long seed) {
    this(sizes, 0, hidden, seed, false);
  }

  /**
   * An MLP whose output layer optionally starts at zero.
   *
   * @throws IllegalArgumentException if fewer than two sizes are given or a size is not positive
   */
  public MLP(int[] sizes, Activation hidden, long seed, boolean zeroOutput) {
    this(sizes, 0, hidden, seed, zeroOutput);
  }

  /**
   * An MLP with an optional context input to its first layer.
   *
   * @param sizes layer widths, input first, at least two entries, all positive
   * @param context context features read by the first layer, 0 for none
   * @param hidden activation of every layer but the last
   * @param seed seed of the initial values (each layer gets its own stream)
   * @param zeroOutput whether the last layer starts at zero
   * @throws IllegalArgumentException if fewer than two sizes are given or a size is out of range
   */
  public MLP(int[] sizes, int context, Activation hidden, long seed, boolean zeroOutput) {
    Checks.requireArgument(
        sizes != null && sizes.length >= 2,
        "MLP: sizes must list at least input and output widths, but was %s",
        Arrays.toString(sizes));
    for (int s : sizes) {
      Checks.requirePositive(s, "MLP", "every size");
    }
    this.sizes = sizes.clone();
    this.context = Checks.requireNonNegative(context, "MLP", "context");
    SplittableRandom random = new SplittableRandom(seed);
    List<Linear> list = new ArrayList<>();
    for (int i = 0; i + 1 < sizes.length; i++) {
      boolean last = i + 2 == sizes.length;
      Linear layer =
          new Linear(
              sizes[i],
              sizes[i + 1],
              i == 0 ? context : 0,
              last ? Activation.IDENTITY : hidden,
              true,
              random.nextLong());
      if (last && zeroOutput) {
        layer.zeroInit();
      }
      list.add(registerModule(Integer.toString(i), layer));
    }
    this.layers = Collections.unmodifiableList(list);
  }

  /**
   * Applies the network.
   *
   * @param x of shape {@code [batch, sizes[0]]}
   * @return of shape {@code [batch, sizes[n-1]]}
   * @throws IllegalStateException if the network was built with a context input
   */
  @Override
  public Var forward(Var x) {
    Var h = layers.get(0).forward(x);
    return rest(h);
  }

  /**
   * Applies the network to an input and its context.
   *
   * @param x of shape {@code [batch, sizes[0]]}
   * @param c of shape {@code [batch, context]}
   * @return of shape {@code [batch, sizes[n-1]]}
   * @throws IllegalStateException if the network was built without a context input
   */
  public Var forward(Var x, Var c) {
    Var h = layers.get(0).forward(x, c);
    return rest(h);
  }

  private Var rest(Var h) {
    Var out = h;
    for (int i = 1; i < layers.size(); i++) {
      out = layers.get(i).forward(out);
    }
    return out;
  }

  /** The layer widths, input first. */
  public int[] sizes() {
    return sizes.clone();
  }

  /** Context features of the first layer (0 for none). */
  public int contextFeatures() {
    return context;
  }

  /** The dense layers, input side first. */
  public List<Linear> layers() {
    return layers;
  }
}
