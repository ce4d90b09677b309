package io.flows4j.bijectors;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.Var;
import io.flows4j.io.Json;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * A composition of bijectors: {@code forward} applies the layers in order, {@code f = f_K o ... o
 * f_1}, and adds their log-determinants, {@code log|det J_f(x)| = sum_k log|det J_{f_k}(x_{k-1})|};
 * {@code inverse} applies the layers' inverses in reverse order. Layers that are modules are
 * registered as children named {@code 0}, {@code 1}, ..., so their parameters are named {@code
 * 3.net.0.weight} and so on.
 *
 * <p><b>Context.</b> When some layers are conditional ({@link Contexts#isConditional}), all of them
 * on the same number of context features {@code C}, the chain is a conditional family on {@code C}:
 * {@link #forward(Var, Var)} passes the context to the conditional layers and applies the others as
 * they are, and the context-free methods refuse. A chain without conditional layers has {@code C =
 * 0}.
 */
public final class Chain extends Module implements Bijector, ConditionalBijector {
  static final String TYPE = "chain";

  private final List<Bijector> layers;
  private final int context;

  Chain(List<? extends Bijector> layers) {
    Checks.requireArgument(!layers.isEmpty(), "Chain: needs at least one layer, but got none");
    this.layers = List.copyOf(layers);
    int c = 0;
    for (int i = 0; i < this.layers.size(); i++) {
      if (Contexts.isConditional(this.layers.get(i))) {
        int ci = ((ConditionalBijector) this.layers.get(i)).contextFeatures();
        Checks.requireArgument(
            c == 0 || c == ci,
            "Chain: every conditional layer must take the same context features %d, but layer %d"
                + " takes %d",
            c,
            i,
            ci);
        c = ci;
      }
    }
    this.context = c;
    for (int i = 0; i < this.layers.size(); i++) {
      if (this.layers.get(i) instanceof Module m) {
        registerModule(Integer.toString(i), m);
      }
    }
  }

  /** The layers in forward order. */
  public List<Bijector> layers() {
    return layers;
  }

  /** Number of layers. */
  public int size() {
    return layers.size();
  }

  @Override
  public Transformed forward(Var x) {
    Contexts.requireNone("Chain", "forward", context);
    return forward(x, null);
  }

  @Override
  public Transformed inverse(Var z) {
    Contexts.requireNone("Chain", "inverse", context);
    return inverse(z, null);
  }

  /** Context features {@code C} of the conditional layers, 0 if there are none. */
  @Override
  public int contextFeatures() {
    return context;
  }

  /**
   * The layers in order, the conditional ones at the context.
   *
   * @param x of the first layer's input shape, {@code [batch, ...]}
   * @param c of shape {@code [batch, C]} or {@code [1, C]}; {@code null} for a chain without
   *     conditional layers
   * @throws IllegalArgumentException if a context is missing or not wanted
   * @throws io.flows4j.tensor.ShapeMismatchException if a shape does not fit
   */
  @Override
  public Transformed forward(Var x, Var c) {
    Contexts.rows("Chain.forward", c, c == null ? 1 : c.shape().dim(0), context);
    Var value = x;
    Var logAbsDet = null;
    for (Bijector layer : layers) {
      Transformed t =
          Contexts.isConditional(layer)
              ? ((ConditionalBijector) layer).forward(value, c)
              : layer.forward(value);
      value = t.value();
      logAbsDet = logAbsDet == null ? t.logAbsDet() : ArithmeticOps.add(logAbsDet, t.logAbsDet());
    }
    return new Transformed(value, logAbsDet);
  }

  /**
   * The layers' inverses in reverse order, the conditional ones at the context.
   *
   * @param z of the last layer's output shape, {@code [batch, ...]}
   * @param c of shape {@code [batch, C]} or {@code [1, C]}; {@code null} for a chain without
   *     conditional layers
   * @throws IllegalArgumentException if a context is missing or not wanted
   * @throws io.flows4j.tensor.ShapeMismatchException if a shape does not fit
   */
  @Override
  public Transformed inverse(Var z, Var c) {
    Contexts.rows("Chain.inverse", c, c == null ? 1 : c.shape().dim(0), context);
    Var value = z;
    Var logAbsDet = null;
    for (int i = layers.size() - 1; i >= 0; i--) {
      Bijector layer = layers.get(i);
      Transformed t =
          Contexts.isConditional(layer)
              ? ((ConditionalBijector) layer).inverse(value, c)
              : layer.inverse(value);
      value = t.value();
      logAbsDet = logAbsDet == null ? t.logAbsDet() : ArithmeticOps.add(logAbsDet, t.logAbsDet());
    }
    return new Transformed(value, logAbsDet);
  }

  @Override
  public Shape forwardEventShape(Shape inputEvent) {
    Shape s = inputEvent;
    for (Bijector layer : layers) {
      s = layer.forwardEventShape(s);
    }
    return s;
  }

  @Override
  public Json.Obj spec() {
    List<Json> specs = new ArrayList<>(layers.size());
    for (Bijector layer : layers) {
      specs.add(layer.spec());
    }
    return Spec.of(TYPE).put("layers", Json.array(specs)).build();
  }
}
