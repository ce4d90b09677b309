package io.flows4j.bijectors;

import java.util.List;

/** Static factories for bijectors that compose or view others. */
public final class Bijectors {
  private Bijectors() {}

  /**
   * The bijection {@code b} seen the other way round: {@code forward} is {@code b.inverse} and vice
   * versa. Inverting twice gives back {@code b}.
   */
  public static Bijector inverted(Bijector b) {
    if (b instanceof Inverted inv) {
      return inv.inner();
    }
    return Contexts.isConditional(b) ? new Inverted.Conditional(b) : new Inverted(b);
  }

  /**
   * The composition that applies {@code layers} in order in the forward (normalizing) direction,
   * {@code f = f_K o ... o f_1}, and in reverse order in the inverse direction; log-determinants
   * add.
   */
  public static Chain chain(List<? extends Bijector> layers) {
    return new Chain(layers);
  }

  /** As {@link #chain(List)}. */
  public static Chain chain(Bijector... layers) {
    return new Chain(List.of(layers));
  }
}
