package io.flows4j.distributions;

import io.flows4j.autodiff.Var;
import io.flows4j.io.Json;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

  /**
   * Validates an event shape given as dimensions.
   *
   * @throws IllegalArgumentException if the event has no elements or is not a valid shape
   */
  static Shape eventShape(String op, int... eventDims) {
    Checks.requireArgument(
        eventDims.length >= 1 && eventDims.length < Shape.MAX_RANK,
        "%s: event must have 1 to %d dimensions, but had %d",
        op,
        Shape.MAX_RANK - 1,
        eventDims.length);
    Shape s = Shape.of(eventDims);
    Checks.requireArgument(s.size() > 0, "%s: event must not be empty, but was %s", op, s);
    return s;
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

  /** Starts a description with a {@code "type"} member; members keep the order they are put. */
  static SpecBuilder spec(String type) {
    return new SpecBuilder(type);
  }

  /** Builds a distribution's JSON description. */
  static final class SpecBuilder {
    private final Map<String, Json> members = new LinkedHashMap<>();

    SpecBuilder(String type) {
      members.put("type", Json.of(type));
    }

    SpecBuilder put(String name, Json value) {
      members.put(name, value);
      return this;
    }

    SpecBuilder put(String name, long value) {
      members.put(name, Json.of(value));
      return this;
    }

    SpecBuilder put(String name, double[] values) {
      List<Json> items = new ArrayList<>(values.length);
      for (double v : values) {
        items.add(Json.of(v));
      }
      members.put(name, Json.array(items));
      return this;
    }

    Json.Obj build() {
      return Json.object(members);
    }
  }

  /**
   * Reads an array of numbers from a description.
   *
   * @throws IllegalArgumentException if the member is missing, not an array, or holds a non-number
   */
  static double[] doubles(Json.Obj spec, String op, String name) {
    Json.Arr arr = spec.getArray(name);
    double[] out = new double[arr.size()];
    for (int i = 0; i < out.length; i++) {
      if (!(arr.get(i) instanceof Json.Num n)) {
        throw new IllegalArgumentException(
            op
                + ": spec member '"
                + name
                + "' element "
                + i
                + " must be a number, but was "
                + arr.get(i).typeName());
      }
      out[i] = n.doubleValue();
    }
    return out;
  }

  private static String dimsText(Shape s) {
    String t = s.toString();
    return t.substring(1, t.length() - 1);
  }
}
