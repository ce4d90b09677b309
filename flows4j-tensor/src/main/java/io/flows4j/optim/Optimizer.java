package io.flows4j.optim;

import io.flows4j.autodiff.Parameter;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Updates a fixed list of parameters in place from their accumulated gradients, one {@link #step()}
 * at a time.
 *
 * <p>The learning rate of a step is the constant given at construction (see {@link
 * #setLearningRate}) or, once a {@link #setSchedule schedule} is set, {@code schedule.at(t)} where
 * {@code t} is the number of steps taken before it ({@code 0} for the first step).
 *
 * <p>The state that training needs to resume (the step count and every per-parameter buffer, such
 * as Adam's moments) is exchanged as named tensors by {@link #state()} and {@link #loadState}: the
 * step count as {@code "step"} (shape {@code [1]}), the buffers as {@code "<key>.<buffer>"} with
 * the parameter's shape. The key of a parameter is its name in the map given to the constructor
 * (use the module's full dotted paths, e.g. {@code "coupling.3.net.0.weight.exp_avg"}), or {@code
 * "<index>.<name>"} when the parameters are given as a list ({@code "7.weight.exp_avg"}).
 * Hyperparameters and the schedule are not part of the state: they belong to the code that builds
 * the optimizer.
 */
public abstract sealed class Optimizer permits AbstractAdam, Sgd {
  /** Key of the step count in {@link #state()}. */
  public static final String STEP_KEY = "step";

  /** Largest step count a float32 tensor holds exactly (2^24). */
  static final long MAX_EXACT_STEP = 1L << 24;

  private final String opName;
  private final List<Parameter> params;
  private final List<String> keys;
  private final Map<String, Tensor[]> buffers = new LinkedHashMap<>();
  private double learningRate;
  private LearningRateSchedule schedule;
  private long steps;

  /**
   * @param opName the optimizer's name for messages
   * @param named the parameters by state key, in update order
   * @throws IllegalArgumentException if there are no parameters or one appears twice
   */
  Optimizer(String opName, Map<String, Parameter> named, double learningRate) {
    this.opName = opName;
    Checks.requireArgument(named != null, "%s: parameters must not be null", opName);
    Checks.requireArgument(
        !named.isEmpty(), "%s: parameter list must not be empty, but was empty", opName);
    IdentityHashMap<Parameter, String> seen = new IdentityHashMap<>();
    List<Parameter> ps = new ArrayList<>();
    List<String> ks = new ArrayList<>();
    for (Map.Entry<String, Parameter> e : named.entrySet()) {
      Parameter p = e.getValue();
      Checks.requireArgument(
          p != null && e.getKey() != null, "%s: parameters and names must not be null", opName);
      // The same object twice would be updated twice per step, which is never what was meant.
      String before = seen.putIfAbsent(p, e.getKey());
      Checks.requireArgument(
          before == null,
          "%s: each parameter must appear once, but '%s' and '%s' are the same parameter",
          opName,
          before,
          e.getKey());
      ps.add(p);
      ks.add(e.getKey());
    }
    this.params = List.copyOf(ps);
    this.keys = List.copyOf(ks);
    requireLearningRate(learningRate);
    this.learningRate = learningRate;
  }

  /**
   * Keys a list of parameters by {@code "<index>.<name>"}: names alone may repeat (every layer has
   * a {@code weight}).
   *
   * @throws IllegalArgumentException if the list is null or holds null
   */
  static Map<String, Parameter> byIndex(String opName, List<Parameter> parameters) {
    Checks.requireArgument(parameters != null, "%s: parameters must not be null", opName);
    Map<String, Parameter> named = new LinkedHashMap<>();
    for (int i = 0; i < parameters.size(); i++) {
      Parameter p = parameters.get(i);
      Checks.requireArgument(p != null, "%s: parameters must not contain null", opName);
      named.put(i + "." + p.name(), p);
    }
    return named;
  }

  /**
   * Applies one update to every parameter from its current gradient, with the learning rate {@link
   * #learningRate()}, and counts the step. Gradients are read, not cleared: call {@link
   * #zeroGrad()} before the next backward pass.
   *
   * @throws IllegalStateException if the schedule returns a negative or non-finite rate
   */
  public final void step() {
    double lr = learningRate();
    if (!(lr >= 0) || Double.isInfinite(lr)) {
      throw new IllegalStateException(
          opName
              + ".step: the schedule's learning rate must be finite and >= 0, but was "
              + lr
              + " at step "
              + steps);
    }
    steps++;
    update(lr, steps);
  }

  /**
   * Updates every parameter.
   *
   * @param lr the learning rate of this step
   * @param t the number of this step, counting from 1
   */
  abstract void update(double lr, long t);

  /** Sets the gradient of every parameter to zero. */
  public final void zeroGrad() {
    for (Parameter p : params) {
      p.zeroGrad();
    }
  }

  /** The learning rate the next {@link #step()} will use. */
  public final double learningRate() {
    return schedule == null ? learningRate : schedule.at(steps);
  }

  /**
   * Sets the constant learning rate and removes any schedule.
   *
   * @throws IllegalArgumentException if {@code lr} is not finite and {@code > 0}
   */
  public final void setLearningRate(double lr) {
    requireLearningRate(lr);
    this.learningRate = lr;
    this.schedule = null;
  }

  /**
   * Takes the learning rate of every later step from {@code schedule}, evaluated at the number of
   * steps taken so far (so a schedule set on a resumed optimizer continues where it was).
   */
  public final void setSchedule(LearningRateSchedule schedule) {
    Checks.requireArgument(schedule != null, "%s.setSchedule: schedule must not be null", opName);
    this.schedule = schedule;
  }

  /** The schedule, or {@code null} when the learning rate is constant. */
  public final LearningRateSchedule schedule() {
    return schedule;
  }

  /** The number of steps taken (restored by {@link #loadState}). */
  public final long stepCount() {
    return steps;
  }

  /** The parameters this optimizer updates, in the order given. */
  public final List<Parameter> parameters() {
    return params;
  }

  /**
   * A copy of the state needed to resume training: {@code "step"} and one tensor per parameter and
   * buffer, in a stable order.
   *
   * @throws IllegalStateException if the step count exceeds 2^24, the largest a float32 tensor
   *     holds exactly
   */
  public final Map<String, Tensor> state() {
    if (steps > MAX_EXACT_STEP) {
      throw new IllegalStateException(
          opName + ".state: step count must be <= 2^24 to be saved exactly, but was " + steps);
    }
    Map<String, Tensor> state = new LinkedHashMap<>();
    state.put(STEP_KEY, Tensor.of(new float[] {steps}, 1));
    for (Map.Entry<String, Tensor[]> b : buffers.entrySet()) {
      for (int i = 0; i < params.size(); i++) {
        state.put(key(i, b.getKey()), b.getValue()[i].copy());
      }
    }
    return state;
  }

  /**
   * Restores a state made by {@link #state()} (of an optimizer of the same kind over parameters of
   * the same names and shapes). Everything is checked before anything is changed.
   *
   * @throws IllegalArgumentException if a tensor is missing or unexpected, or the step is not a
   *     whole number {@code >= 0}
   * @throws ShapeMismatchException if a buffer's shape differs from its parameter's
   */
  public final void loadState(Map<String, Tensor> state) {
    String op = opName + ".loadState";
    Checks.requireArgument(state != null, "%s: state must not be null", op);
    Tensor stepTensor = state.get(STEP_KEY);
    Checks.requireArgument(stepTensor != null, "%s: missing tensor '%s'", op, STEP_KEY);
    Checks.requireShape(
        stepTensor.size() == 1,
        "%s: tensor '%s' must have shape [1], but was %s",
        op,
        STEP_KEY,
        stepTensor.shape());
    float s = stepTensor.getFlat(0);
    Checks.requireArgument(
        s >= 0 && s == Math.rint(s) && !Float.isInfinite(s),
        "%s: step must be a whole number >= 0, but was %s",
        op,
        s);
    List<String> expected = new ArrayList<>();
    expected.add(STEP_KEY);
    for (Map.Entry<String, Tensor[]> b : buffers.entrySet()) {
      for (int i = 0; i < params.size(); i++) {
        Parameter p = params.get(i);
        String k = key(i, b.getKey());
        expected.add(k);
        Tensor t = state.get(k);
        Checks.requireArgument(t != null, "%s: missing tensor '%s'", op, k);
        Checks.requireShape(
            t.shape().equals(p.shape()),
            "%s: tensor '%s' must have the parameter's shape %s, but was %s",
            op,
            k,
            p.shape(),
            t.shape());
      }
    }
    for (String k : state.keySet()) {
      Checks.requireArgument(
          expected.contains(k),
          "%s: unexpected tensor '%s'; this optimizer's state holds %s",
          op,
          k,
          describeKeys());
    }
    for (Map.Entry<String, Tensor[]> b : buffers.entrySet()) {
      for (int i = 0; i < params.size(); i++) {
        b.getValue()[i].copyFrom(state.get(key(i, b.getKey())));
      }
    }
    steps = (long) s;
  }

  /**
   * Creates one zero buffer per parameter with the parameter's shape, saved in the state under
   * {@code "<key>.<suffix>"}.
   */
  final Tensor[] newBuffer(String suffix) {
    Tensor[] b = new Tensor[params.size()];
    for (int i = 0; i < b.length; i++) {
      b[i] = Tensor.zeros(params.get(i).shape());
    }
    buffers.put(suffix, b);
    return b;
  }

  /** The name of this optimizer for messages. */
  final String opName() {
    return opName;
  }

  private String describeKeys() {
    StringBuilder sb = new StringBuilder("'").append(STEP_KEY).append("'");
    for (String suffix : buffers.keySet()) {
      sb.append(" and '<key>.").append(suffix).append("'");
    }
    return sb.toString();
  }

  private String key(int index, String suffix) {
    return keys.get(index) + "." + suffix;
  }

  private void requireLearningRate(double lr) {
    Checks.requireArgument(
        lr > 0 && !Double.isInfinite(lr),
        "%s: learning rate must be finite and > 0, but was %s",
        opName,
        lr);
  }
}
