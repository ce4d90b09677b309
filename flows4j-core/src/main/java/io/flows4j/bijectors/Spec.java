package io.flows4j.bijectors;

import io.flows4j.io.Json;
import io.flows4j.tensor.kernels.Activation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds the JSON description of a bijector ({@link Bijector#spec()}): a {@code "type"} member
 * followed by hyper-parameters, in the order they are added.
 */
public final class Spec {
  private final Map<String, Json> members = new LinkedHashMap<>();

  private Spec(String type) {
    members.put("type", Json.of(type));
  }

  /** Starts a description of a bijector of the given registered type. */
  public static Spec of(String type) {
    return new Spec(type);
  }

  /** Adds an integer member. */
  public Spec put(String name, long value) {
    members.put(name, Json.of(value));
    return this;
  }

  /** Adds a number member; it must be finite. */
  public Spec put(String name, double value) {
    members.put(name, Json.of(value));
    return this;
  }

  /** Adds a string member. */
  public Spec put(String name, String value) {
    members.put(name, Json.of(value));
    return this;
  }

  /** Adds a boolean member. */
  public Spec put(String name, boolean value) {
    members.put(name, Json.of(value));
    return this;
  }

  /** Adds an array of integers. */
  public Spec put(String name, int[] values) {
    List<Json> items = new ArrayList<>(values.length);
    for (int v : values) {
      items.add(Json.of(v));
    }
    members.put(name, Json.array(items));
    return this;
  }

  /** Adds an array of numbers; every value must be finite. */
  public Spec put(String name, double[] values) {
    List<Json> items = new ArrayList<>(values.length);
    for (double v : values) {
      items.add(Json.of(v));
    }
    members.put(name, Json.array(items));
    return this;
  }

  /** Adds any JSON value (a nested bijector's spec, say). */
  public Spec put(String name, Json value) {
    members.put(name, value);
    return this;
  }

  /**
   * Reads an array of numbers written by {@link #put(String, double[])}.
   *
   * @param op the bijector reading it, for messages
   * @throws IllegalArgumentException if the member is missing, not an array, or holds a non-number
   */
  public static double[] doubles(Json.Obj spec, String op, String name) {
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

  /** How an activation is written in a spec: its enum name in lower case, e.g. {@code "relu"}. */
  public static String activationName(Activation activation) {
    return activation.name().toLowerCase(Locale.ROOT);
  }

  /**
   * Reads an activation written by {@link #activationName}.
   *
   * @throws IllegalArgumentException if the member is missing or names no activation
   */
  public static Activation activation(Json.Obj spec, String name) {
    String value = spec.getString(name);
    for (Activation a : Activation.values()) {
      if (activationName(a).equals(value)) {
        return a;
      }
    }
    throw new IllegalArgumentException(
        "Spec: "
            + name
            + " must be one of "
            + Arrays.stream(Activation.values()).map(Spec::activationName).toList()
            + ", but was '"
            + value
            + "'");
  }

  /** The finished description. */
  public Json.Obj build() {
    return Json.object(members);
  }
}
