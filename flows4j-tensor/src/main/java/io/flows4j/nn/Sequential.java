package io.flows4j.nn;

import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Checks;
import java.util.List;

/** Modules applied one after another; children are named {@code 0}, {@code 1}, .... */
public final class Sequential extends UnaryModule {
  private final List<UnaryModule> layers;

  /**
   * Chains the given modules.
   *
   * @throws IllegalArgumentException if there are none
   */
  public Sequential(UnaryModule... layers) {
    Checks.requireArgument(layers.length > 0, "Sequential: needs at least one module");
    this.layers = List.of(layers);
    for (int i = 0; i < layers.length; i++) {
      registerModule(Integer.toString(i), layers[i]);
    }
  }

  /** Applies each module to the previous one's output. */
  @Override
  public Var forward(Var x) {
    Var h = x;
    for (UnaryModule m : layers) {
      h = m.forward(h);
    }
    return h;
  }

  /** The modules, in order. */
  public List<UnaryModule> layers() {
    return layers;
  }
}
