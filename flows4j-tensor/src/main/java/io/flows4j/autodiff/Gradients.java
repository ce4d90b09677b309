package io.flows4j.autodiff;

import io.flows4j.tensor.NonFiniteException;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks on accumulated parameter gradients. A trainer whose loss came out NaN or infinite calls
 * {@link #requireFinite} to stop with the name of the first parameter whose gradient went bad,
 * which points at the layer where the trouble started.
 */
public final class Gradients {
  private Gradients() {}

  /**
   * Where a non-finite gradient element was found.
   *
   * @param name the parameter's dotted path
   * @param parameter the parameter
   * @param index the element's index, one entry per dimension
   * @param value the offending value (NaN or an infinity)
   */
  public record NonFinite(String name, Parameter parameter, List<Integer> index, float value) {
    /** Makes the index immutable. */
    public NonFinite {
      index = List.copyOf(index);
    }

    /** A one-line description, e.g. {@code gradient of net.0.weight [64, 2] is NaN at [3, 1]}. */
    public String describe() {
      return "gradient of "
          + name
          + " "
          + parameter.shape()
          + " is "
          + (Float.isNaN(value) ? "NaN" : value > 0 ? "+Infinity" : "-Infinity")
          + " at "
          + index;
    }
  }

  /**
   * The first parameter, in the map's order, with a NaN or infinite gradient element.
   *
   * @param parameters parameters by name, e.g. {@code Module.namedParameters()}
   */
  public static Optional<NonFinite> firstNonFinite(Map<String, Parameter> parameters) {
    for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
      Tensor g = e.getValue().grad();
      float[] d = g.data();
      int o = g.offset();
      int n = g.size();
      for (int i = 0; i < n; i++) {
        float v = d[o + i];
        if (!Float.isFinite(v)) {
          return Optional.of(new NonFinite(e.getKey(), e.getValue(), unravel(i, g.shape()), v));
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Throws if any gradient is non-finite, naming the first such parameter and element.
   *
   * @param op what was running, for the message (e.g. {@code "train step 1200"})
   * @param parameters parameters by name, e.g. {@code Module.namedParameters()}
   * @throws NonFiniteException {@code <op>: gradient of <name> <shape> is NaN at [i, j]}
   */
  public static void requireFinite(String op, Map<String, Parameter> parameters) {
    Optional<NonFinite> bad = firstNonFinite(parameters);
    if (bad.isPresent()) {
      throw new NonFiniteException(op + ": " + bad.get().describe());
    }
  }

  private static List<Integer> unravel(int flat, Shape shape) {
    int[] dims = shape.dims();
    Integer[] idx = new Integer[dims.length];
    int rest = flat;
    for (int k = dims.length - 1; k >= 0; k--) {
      idx[k] = rest % dims[k];
      rest /= dims[k];
    }
    return List.of(idx);
  }
}
