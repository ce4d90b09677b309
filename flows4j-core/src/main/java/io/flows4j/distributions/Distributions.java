package io.flows4j.distributions;

import io.flows4j.autodiff.Var;
import io.flows4j.io.Json;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import java.util.ArrayList;
import java.util.List;

/** Checks and shape helpers shared by the distributions. */
final class Distributions {
  private Distributions() {}

  /** Requires {@code z} to be a batch of events of the given shape. */
  static void requireEvent(String op, Var z, Shape event) {
    Shape s = z.shape();
    boolean ok = s.rank() == event.rank() + 1;
    for (int i = 0; ok && i < event.rank(); i++) {
      ok = s.dim(i + 1) == event.dim(i);
    }
    Checks.requireShape(
        ok, "%s: input must have shape [batch, %s], but was %s", op, dimsText(event), s);
  }

  static void requireSampleArgs(String op, int n, double temperature) {
    Checks.requireArgument(n >= 0, "%s: n must be >= 0, but was %d", op, n);
    Checks.requireArgument(
        temperature > 0 && Double.isFinite(temperature),
        "%s: temperature must be > 0, but was %s",
        op,
        temperature);
  }

  /** The shape {@code [n, event...]}. */
  static Shape batchShape(int n, Shape event) {
    int[] e = event.dims();
    int[] d = new int[e.length + 1];
    d[0] = n;
    System.arraycopy(e, 0, d, 1, e.length);
    return Shape.of(d);
  }

  static List<Json> dimsJson(Shape s) {
    List<Json> out = new ArrayList<>();
    for (int d : s.dims()) {
      out.add(Json.of(d));
    }
    return out;
  }

  private static String dimsText(Shape s) {
    String t = s.toString();
    return t.substring(1, t.length() - 1);
  }
}
