package io.flows4j.spark;

import io.flows4j.autodiff.Parameter;
import io.flows4j.nn.Module;
import io.flows4j.optim.Optimizer;
import io.flows4j.tensor.Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How a model's state travels as one flat {@code float[]}: every parameter in the order of {@link
 * Module#namedParameters()} (the first {@link #parameterFloats()} values), then every buffer in the
 * order of {@link Module#namedBuffers()} (standardization statistics, spectral-norm vectors). Built
 * on the driver from its model and shipped with every task; an executor's copy of the model, loaded
 * from the same model file, has the same names and sizes ({@link #bind} checks it).
 *
 * <p>Buffers travel with the parameters because some change in training forward passes (the power
 * iteration of a residual block's spectral normalisation): the driver never runs a forward pass in
 * training, so it takes them back from a partition after each step.
 */
final class ParameterLayout implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String[] names;
  private final int[] sizes;
  private final int parameterCount;
  private final int parameterFloats;
  private final int totalFloats;

  private ParameterLayout(String[] names, int[] sizes, int parameterCount) {
    this.names = names;
    this.sizes = sizes;
    this.parameterCount = parameterCount;
    int p = 0;
    int t = 0;
    for (int i = 0; i < sizes.length; i++) {
      t = Math.addExact(t, sizes[i]);
      if (i < parameterCount) {
        p = t;
      }
    }
    this.parameterFloats = p;
    this.totalFloats = t;
  }

  /** The layout of {@code module}'s parameters and buffers. */
  static ParameterLayout of(Module module) {
    List<String> n = new ArrayList<>();
    List<Integer> s = new ArrayList<>();
    for (Map.Entry<String, Parameter> e : module.namedParameters().entrySet()) {
      n.add(e.getKey());
      s.add(e.getValue().size());
    }
    int params = n.size();
    for (Map.Entry<String, Tensor> e : module.namedBuffers().entrySet()) {
      n.add(e.getKey());
      s.add(e.getValue().size());
    }
    int[] sizes = new int[s.size()];
    for (int i = 0; i < sizes.length; i++) {
      sizes[i] = s.get(i);
    }
    return new ParameterLayout(n.toArray(new String[0]), sizes, params);
  }

  /** Floats of the parameters (the gradient's length). */
  int parameterFloats() {
    return parameterFloats;
  }

  /** Floats of parameters and buffers together. */
  int totalFloats() {
    return totalFloats;
  }

  /** Floats of the buffers. */
  int bufferFloats() {
    return totalFloats - parameterFloats;
  }

  /**
   * The live tensors of {@code module} in this layout's order.
   *
   * @throws IllegalStateException if the module's names or sizes differ from this layout's
   */
  Bound bind(Module module) {
    Map<String, Parameter> params = module.namedParameters();
    Map<String, Tensor> buffers = module.namedBuffers();
    List<Parameter> ps = new ArrayList<>(parameterCount);
    List<Tensor> values = new ArrayList<>(names.length);
    boolean ok = params.size() == parameterCount && buffers.size() == names.length - parameterCount;
    for (int i = 0; ok && i < names.length; i++) {
      Tensor t;
      if (i < parameterCount) {
        Parameter p = params.get(names[i]);
        ok = p != null;
        if (ok) {
          ps.add(p);
        }
        t = p == null ? null : p.value();
      } else {
        t = buffers.get(names[i]);
      }
      ok = ok && t != null && t.size() == sizes[i];
      values.add(t);
    }
    if (!ok) {
      throw new IllegalStateException(
          String.format(
              Locale.ROOT,
              "FlowEstimator: the model's parameters (%d tensors) do not match the driver's layout"
                  + " (%d tensors, %d floats)",
              params.size() + buffers.size(),
              names.length,
              totalFloats));
    }
    return new Bound(ps, values);
  }

  /** A layout bound to the live tensors of one model instance. */
  final class Bound {
    private final List<Parameter> parameters;
    private final List<Tensor> values;

    private Bound(List<Parameter> parameters, List<Tensor> values) {
      this.parameters = parameters;
      this.values = values;
    }

    /** Floats of the parameters (the gradient's length). */
    int parameterFloats() {
      return parameterFloats;
    }

    /** The trained parameters, in layout order. */
    List<Parameter> parameters() {
      return parameters;
    }

    /** Copies parameters and buffers into a new flat vector. */
    float[] state() {
      float[] out = new float[totalFloats];
      int at = 0;
      for (Tensor t : values) {
        System.arraycopy(t.data(), t.offset(), out, at, t.size());
        at += t.size();
      }
      return out;
    }

    /** Copies a flat vector of parameters and buffers into the model. */
    void load(float[] state) {
      requireLength(state, totalFloats, "state");
      int at = 0;
      for (Tensor t : values) {
        System.arraycopy(state, at, t.data(), t.offset(), t.size());
        at += t.size();
      }
    }

    /** A state vector as tensors by dotted path, shaped as the model's (a state dict). */
    Map<String, Tensor> stateDict(float[] state) {
      requireLength(state, totalFloats, "state");
      Map<String, Tensor> out = new LinkedHashMap<>();
      int at = 0;
      for (int i = 0; i < values.size(); i++) {
        Tensor t = values.get(i);
        float[] copy = Arrays.copyOfRange(state, at, at + t.size());
        out.put(names[i], Tensor.wrap(copy, 0, t.shape()));
        at += t.size();
      }
      return out;
    }

    /**
     * A state dict (as {@link #stateDict(float[])} makes) as a state vector.
     *
     * @throws IllegalArgumentException if a tensor is missing or has another size
     */
    float[] stateVector(Map<String, Tensor> dict) {
      float[] out = new float[totalFloats];
      int at = 0;
      for (int i = 0; i < values.size(); i++) {
        Tensor t = dict.get(names[i]);
        if (t == null || t.size() != sizes[i]) {
          throw new IllegalArgumentException(
              "FlowEstimator: the saved state has no tensor '"
                  + names[i]
                  + "' of "
                  + sizes[i]
                  + " values");
        }
        System.arraycopy(t.data(), t.offset(), out, at, t.size());
        at += t.size();
      }
      return out;
    }

    /** Copies the buffers (the part after the parameters) into {@code out}. */
    float[] buffers() {
      float[] out = new float[totalFloats - parameterFloats];
      int at = 0;
      for (int i = parameterCount; i < values.size(); i++) {
        Tensor t = values.get(i);
        System.arraycopy(t.data(), t.offset(), out, at, t.size());
        at += t.size();
      }
      return out;
    }

    /** Copies buffers taken by {@link #buffers()} from another instance into this model. */
    void loadBuffers(float[] buffers) {
      requireLength(buffers, totalFloats - parameterFloats, "buffers");
      int at = 0;
      for (int i = parameterCount; i < values.size(); i++) {
        Tensor t = values.get(i);
        System.arraycopy(buffers, at, t.data(), t.offset(), t.size());
        at += t.size();
      }
    }

    /** Adds {@code scale} times every parameter's gradient to {@code acc[0, parameterFloats)}. */
    void addGradients(float[] acc, float scale) {
      addScaled(parameters.stream().map(Parameter::grad).toList(), acc, scale);
    }

    /** Sets every parameter's gradient to {@code (float) (sum[i] * scale)}. */
    void setGradients(double[] sum, double scale) {
      setScaled(parameters.stream().map(Parameter::grad).toList(), sum, scale);
    }

    /** Adds {@code weight} times every parameter value to {@code acc[0, parameterFloats)}. */
    void addParameters(float[] acc, float weight) {
      addScaled(parameters.stream().map(Parameter::value).toList(), acc, weight);
    }

    /** Sets every parameter to {@code (float) (sum[i] * scale)}. */
    void setParameters(double[] sum, double scale) {
      setScaled(parameters.stream().map(Parameter::value).toList(), sum, scale);
    }

    /** {@code acc[k] += scale * t[k]} over the tensors laid end to end. */
    private static void addScaled(List<Tensor> tensors, float[] acc, float scale) {
      int at = 0;
      for (Tensor t : tensors) {
        float[] a = t.data();
        int o = t.offset();
        for (int i = 0; i < t.size(); i++) {
          acc[at + i] += scale * a[o + i];
        }
        at += t.size();
      }
    }

    /** {@code t[k] = (float) (sum[k] * scale)} over the tensors laid end to end. */
    private static void setScaled(List<Tensor> tensors, double[] sum, double scale) {
      int at = 0;
      for (Tensor t : tensors) {
        float[] a = t.data();
        int o = t.offset();
        for (int i = 0; i < t.size(); i++) {
          a[o + i] = (float) (sum[at + i] * scale);
        }
        at += t.size();
      }
    }
  }

  /**
   * The per-parameter buffers of an optimizer's state ({@link Optimizer#state()}: every entry but
   * the step count), flattened in the state's own order, which two optimizers of the same kind over
   * the same model share.
   */
  static float[] moments(Optimizer optimizer) {
    Map<String, Tensor> state = optimizer.state();
    int n = 0;
    for (Map.Entry<String, Tensor> e : state.entrySet()) {
      if (!e.getKey().equals(Optimizer.STEP_KEY)) {
        n = Math.addExact(n, e.getValue().size());
      }
    }
    float[] out = new float[n];
    int at = 0;
    for (Map.Entry<String, Tensor> e : state.entrySet()) {
      if (!e.getKey().equals(Optimizer.STEP_KEY)) {
        Tensor t = e.getValue();
        System.arraycopy(t.data(), t.offset(), out, at, t.size());
        at += t.size();
      }
    }
    return out;
  }

  /**
   * Sets an optimizer's step count and buffers from {@link #moments} of an optimizer of the same
   * kind over the same model ({@code null} moments: zero buffers).
   */
  static void loadMoments(Optimizer optimizer, long step, float[] moments) {
    Map<String, Tensor> template = optimizer.state();
    int n = 0;
    for (Map.Entry<String, Tensor> e : template.entrySet()) {
      if (!e.getKey().equals(Optimizer.STEP_KEY)) {
        n = Math.addExact(n, e.getValue().size());
      }
    }
    if (moments != null) {
      requireLength(moments, n, "moments");
    }
    Map<String, Tensor> state = new LinkedHashMap<>();
    int at = 0;
    for (Map.Entry<String, Tensor> e : template.entrySet()) {
      if (e.getKey().equals(Optimizer.STEP_KEY)) {
        state.put(e.getKey(), Tensor.of(new float[] {(float) step}, 1));
      } else {
        Tensor t = e.getValue();
        if (moments != null) {
          System.arraycopy(moments, at, t.data(), t.offset(), t.size());
        } else {
          Arrays.fill(t.data(), t.offset(), t.offset() + t.size(), 0f);
        }
        at += t.size();
        state.put(e.getKey(), t);
      }
    }
    optimizer.loadState(state);
  }

  private static void requireLength(float[] a, int expected, String what) {
    if (a.length != expected) {
      throw new IllegalStateException(
          "FlowEstimator: the " + what + " must have " + expected + " floats, but had " + a.length);
    }
  }
}
