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
 */
public final class Chain extends Module implements Bijector {
  static final String TYPE = "chain";

  private final List<Bijector> layers;

  Chain(List<? extends Bijector> layers) {
    Checks.requireArgument(!layers.isEmpty(), "Chain: needs at least one layer, but got none");
    this.layers = List.copyOf(layers);
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
    Var value = x;
    Var logAbsDet = null;
    for (Bijector layer : layers) {
      Transformed t = layer.forward(value);
      value = t.value();
      logAbsDet = logAbsDet == null ? t.logAbsDet() : ArithmeticOps.add(logAbsDet, t.logAbsDet());
    }
    return new Transformed(value, logAbsDet);
  }

  @Override
  public Transformed inverse(Var z) {
    Var value = z;
    Var logAbsDet = null;
    for (int i = layers.size() - 1; i >= 0; i--) {
      Transformed t = layers.get(i).inverse(value);
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
