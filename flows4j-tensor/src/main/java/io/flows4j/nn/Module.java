package io.flows4j.nn;

import io.flows4j.autodiff.Gradients;
import io.flows4j.autodiff.Parameter;
import io.flows4j.io.SafeTensors;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A node of a tree of trainable components: it owns parameters and child modules, each registered
 * under a local name.
 *
 * <p><b>Names.</b> A {@link Parameter} keeps the local name it was registered under ({@code
 * weight}); its full dotted path ({@code coupling.3.net.0.weight}) is the chain of local names from
 * the module on which {@link #namedParameters()} is called. Modules are built bottom-up (a layer
 * exists before it is placed in a network), so the path cannot be known when the parameter is made;
 * deriving it from the tree also lets the same module be saved alone or as part of a larger model.
 * Local names must be non-empty, contain no {@code '.'}, and be unique within their module.
 *
 * <p>Iteration order is deterministic: a module's own parameters in registration order, then each
 * child's, depth first, in registration order. A parameter reachable along two paths (shared
 * weights) is listed once, under the first path.
 */
public abstract class Module {
  private final Map<String, Parameter> ownParameters = new LinkedHashMap<>();
  private final Map<String, Module> children = new LinkedHashMap<>();
  private final Map<String, Tensor> ownBuffers = new LinkedHashMap<>();
  private boolean training = true;

  /** Creates a module with no parameters or children. */
  protected Module() {}

  /**
   * Creates and registers a parameter holding {@code value} (not copied).
   *
   * @param name local name; non-empty, without {@code '.'}, unique in this module
   * @return the new parameter
   * @throws IllegalArgumentException if the name is invalid or taken
   */
  protected final Parameter registerParameter(String name, Tensor value) {
    checkName(name);
    Parameter p = new Parameter(name, value);
    ownParameters.put(name, p);
    return p;
  }

  /**
   * Registers a buffer: a tensor that is part of the module's saved state but is not trained
   * (running statistics, a data-dependent initialisation flag, fixed standardisation constants).
   * Buffers are saved and loaded with the parameters by {@link #stateDict()} and {@link
   * #loadStateDict}, but are not in {@link #parameters()}.
   *
   * @param name local name; non-empty, without {@code '.'}, unique in this module
   * @return {@code value}, which the module updates in place
   * @throws IllegalArgumentException if the name is invalid or taken
   */
  protected final Tensor registerBuffer(String name, Tensor value) {
    checkName(name);
    ownBuffers.put(name, value);
    return value;
  }

  /**
   * Registers a child module.
   *
   * @param name local name; non-empty, without {@code '.'}, unique in this module
   * @return {@code child}, for chaining in field initialisers
   * @throws IllegalArgumentException if the name is invalid or taken
   */
  protected final <M extends Module> M registerModule(String name, M child) {
    checkName(name);
    Checks.requireArgument(child != null, "%s: child module '%s' must not be null", kind(), name);
    children.put(name, child);
    return child;
  }

  private void checkName(String name) {
    Checks.requireArgument(
        name != null && !name.isEmpty() && name.indexOf('.') < 0,
        "%s: names must be non-empty and contain no '.', but was '%s'",
        kind(),
        name);
    Checks.requireArgument(
        !ownParameters.containsKey(name)
            && !children.containsKey(name)
            && !ownBuffers.containsKey(name),
        "%s: name '%s' is already registered",
        kind(),
        name);
  }

  /** The child modules by local name, in registration order (unmodifiable). */
  public final Map<String, Module> children() {
    return Collections.unmodifiableMap(children);
  }

  /**
   * Every parameter of this module and its descendants by dotted path, in the deterministic order
   * described in the class comment.
   */
  @SuppressWarnings("NonApiType") // the project's contract: a concrete, ordered, copyable map
  public final LinkedHashMap<String, Parameter> namedParameters() {
    LinkedHashMap<String, Parameter> out = new LinkedHashMap<>();
    collect("", out, Collections.newSetFromMap(new IdentityHashMap<>()));
    return out;
  }

  private void collect(String prefix, Map<String, Parameter> out, Set<Parameter> seen) {
    for (Map.Entry<String, Parameter> e : ownParameters.entrySet()) {
      if (seen.add(e.getValue())) {
        out.put(prefix + e.getKey(), e.getValue());
      }
    }
    for (Map.Entry<String, Module> e : children.entrySet()) {
      e.getValue().collect(prefix + e.getKey() + ".", out, seen);
    }
  }

  /**
   * Every buffer of this module and its descendants by dotted path: own buffers in registration
   * order, then each child's, depth first.
   */
  @SuppressWarnings("NonApiType") // the project's contract: a concrete, ordered, copyable map
  public final LinkedHashMap<String, Tensor> namedBuffers() {
    LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
    collectBuffers("", out);
    return out;
  }

  private void collectBuffers(String prefix, Map<String, Tensor> out) {
    for (Map.Entry<String, Tensor> e : ownBuffers.entrySet()) {
      out.putIfAbsent(prefix + e.getKey(), e.getValue());
    }
    for (Map.Entry<String, Module> e : children.entrySet()) {
      e.getValue().collectBuffers(prefix + e.getKey() + ".", out);
    }
  }

  /** Every parameter, in the order of {@link #namedParameters()}. */
  public final List<Parameter> parameters() {
    return new ArrayList<>(namedParameters().values());
  }

  /** Total number of trainable scalars. */
  public final long parameterCount() {
    long n = 0;
    for (Parameter p : namedParameters().values()) {
      n += p.size();
    }
    return n;
  }

  /** Sets every parameter's gradient to zero. */
  public final void zeroGrad() {
    for (Parameter p : namedParameters().values()) {
      p.zeroGrad();
    }
  }

  /**
   * Throws if a parameter's gradient holds NaN or an infinity, naming the first such parameter by
   * its dotted path; the trainer calls this when the loss is non-finite.
   *
   * @param op what was running, for the message (e.g. {@code "train step 1200"})
   * @throws io.flows4j.tensor.NonFiniteException naming the parameter, its shape and the element
   */
  public final void requireFiniteGradients(String op) {
    Gradients.requireFinite(op, namedParameters());
  }

  /**
   * Copies of every parameter's value by dotted path, in parameter order, followed by copies of
   * every buffer.
   */
  @SuppressWarnings("NonApiType") // the project's contract: a concrete, ordered, copyable map
  public final LinkedHashMap<String, Tensor> stateDict() {
    LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : stateTensors().entrySet()) {
      out.put(e.getKey(), e.getValue().copy());
    }
    return out;
  }

  /** The live tensors of the saved state: parameter values, then buffers. */
  private LinkedHashMap<String, Tensor> stateTensors() {
    LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : namedParameters().entrySet()) {
      out.put(e.getKey(), e.getValue().value());
    }
    for (Map.Entry<String, Tensor> e : namedBuffers().entrySet()) {
      out.putIfAbsent(e.getKey(), e.getValue());
    }
    return out;
  }

  /**
   * Copies values into this module's parameters and buffers, in place (optimizers holding the
   * parameters stay valid). The names must match exactly and every shape must agree; otherwise
   * nothing is changed and the exception lists every missing, unexpected and mis-shaped name.
   *
   * @param state values by dotted path, as from {@link #stateDict()}
   * @throws IllegalArgumentException {@code loadStateDict: state does not fit <Module>: missing
   *     [...]; unexpected [...]; net.0.weight must have shape [64, 2], but was [64, 3]}
   */
  public final void loadStateDict(Map<String, Tensor> state) {
    LinkedHashMap<String, Tensor> params = stateTensors();
    Set<String> missing = new TreeSet<>(params.keySet());
    missing.removeAll(state.keySet());
    Set<String> unexpected = new TreeSet<>(state.keySet());
    unexpected.removeAll(params.keySet());
    List<String> misshaped = new ArrayList<>();
    for (Map.Entry<String, Tensor> e : params.entrySet()) {
      Tensor t = state.get(e.getKey());
      if (t != null && !t.shape().equals(e.getValue().shape())) {
        misshaped.add(
            e.getKey() + " must have shape " + e.getValue().shape() + ", but was " + t.shape());
      }
    }
    if (!missing.isEmpty() || !unexpected.isEmpty() || !misshaped.isEmpty()) {
      List<String> parts = new ArrayList<>();
      if (!missing.isEmpty()) {
        parts.add("missing " + missing);
      }
      if (!unexpected.isEmpty()) {
        parts.add("unexpected " + unexpected);
      }
      parts.addAll(misshaped);
      throw new IllegalArgumentException(
          "loadStateDict: state does not fit " + kind() + ": " + String.join("; ", parts));
    }
    for (Map.Entry<String, Tensor> e : params.entrySet()) {
      e.getValue().copyFrom(state.get(e.getKey()));
    }
  }

  /**
   * Saves {@link #stateDict()} to a safetensors file, atomically.
   *
   * @param metadata free-form strings stored in the file's header
   * @throws IOException if writing fails (an existing file is then left unchanged)
   */
  public final void saveState(Path file, Map<String, String> metadata) throws IOException {
    SafeTensors.write(file, stateDict(), metadata);
  }

  /**
   * Loads parameters from a safetensors file written by {@link #saveState}.
   *
   * @return the file's metadata
   * @throws io.flows4j.io.FileFormatException if the file is truncated or corrupted
   * @throws IllegalArgumentException if its tensors do not fit this module (see {@link
   *     #loadStateDict})
   * @throws IOException if reading fails
   */
  public final Map<String, String> loadState(Path file) throws IOException {
    SafeTensors.Contents c = SafeTensors.read(file);
    loadStateDict(c.tensors());
    return c.metadata();
  }

  /** Puts this module and its descendants in training mode; returns this module. */
  public final Module train() {
    return setTraining(true);
  }

  /** Puts this module and its descendants in evaluation mode; returns this module. */
  public final Module eval() {
    return setTraining(false);
  }

  private Module setTraining(boolean on) {
    training = on;
    for (Module m : children.values()) {
      m.setTraining(on);
    }
    return this;
  }

  /** Whether this module is in training mode (the default). */
  public final boolean isTraining() {
    return training;
  }

  /** A short name of this module for messages: its class name. */
  protected String kind() {
    return getClass().getSimpleName();
  }

  /** One line per parameter: {@code path [shape]}, after a header with the total count. */
  @Override
  public String toString() {
    StringBuilder sb =
        new StringBuilder(kind()).append(" (").append(parameterCount()).append(" parameters)");
    for (Map.Entry<String, Parameter> e : namedParameters().entrySet()) {
      Shape s = e.getValue().shape();
      sb.append("\n  ").append(e.getKey()).append(' ').append(s);
    }
    return sb.toString();
  }
}
