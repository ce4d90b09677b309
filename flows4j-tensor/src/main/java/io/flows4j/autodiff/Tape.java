package io.flows4j.autodiff;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A scoped record of the ops of one forward pass, for reverse-mode differentiation.
 *
 * <pre>{@code
 * try (Tape tape = Tape.record()) {
 *   Var w = tape.param(weight);
 *   Var loss = Ops.mean(Ops.square(Ops.matmul(tape.input(x), w)));
 *   tape.backward(loss);            // adds d loss / d weight into weight.grad()
 *   float value = loss.item();      // read before the tape closes
 * }
 * }</pre>
 *
 * <p>The tape is bound to the thread that opened it. Buffers for values and gradients come from a
 * per-thread arena and go back to it on {@link #close()}, so repeated steps of the same shapes do
 * not allocate. Inside {@link #noGrad()} (or with no tape open) ops compute values only.
 */
public final class Tape implements AutoCloseable {
  private static final ThreadLocal<Tape> CURRENT = new ThreadLocal<>();

  private final Tape parent;
  private final boolean recording;
  private final BufferPool pool = BufferPool.local();
  private final List<float[]> taken = new ArrayList<>();
  private final List<Var> outputs = new ArrayList<>();
  private final List<Backward> rules = new ArrayList<>();
  private boolean closed;

  private Tape(Tape parent, boolean recording) {
    this.parent = parent;
    this.recording = recording;
  }

  /** Opens a recording tape on this thread; close it with try-with-resources. */
  public static Tape record() {
    Tape t = new Tape(CURRENT.get(), true);
    CURRENT.set(t);
    return t;
  }

  /**
   * Opens a scope in which ops record nothing and allocate ordinary tensors (inference). Values
   * made in it stay valid after it closes.
   */
  public static Tape noGrad() {
    Tape t = new Tape(CURRENT.get(), false);
    CURRENT.set(t);
    return t;
  }

  /** The innermost open tape of this thread, or {@code null}. */
  public static Tape current() {
    return CURRENT.get();
  }

  /** True when the innermost open tape of this thread records ops. */
  public static boolean isRecording() {
    Tape t = CURRENT.get();
    return t != null && t.recording;
  }

  /** Whether this tape records ops (false for a {@link #noGrad()} scope). */
  public boolean recording() {
    return recording;
  }

  /** A leaf for {@code value} that needs no gradient. */
  public Var input(Tensor value) {
    return new Var(value, false, null, this);
  }

  /**
   * A leaf for {@code value} whose gradient is wanted (read it with {@link Var#grad()} after {@link
   * #backward}); for gradient checks and sampling-path derivatives.
   */
  public Var tracked(Tensor value) {
    return new Var(value, recording, null, this);
  }

  /** A leaf reading a parameter; its gradient accumulates into {@link Parameter#grad()}. */
  public Var param(Parameter p) {
    return new Var(p.value(), recording, p, this);
  }

  /**
   * Allocates a value buffer of the given shape with unspecified contents: from the arena on a
   * recording tape, a new array otherwise. Ops must overwrite every element.
   */
  public static Tensor newValue(Shape shape) {
    Tape t = CURRENT.get();
    if (t != null && t.recording) {
      return t.alloc(shape);
    }
    return Tensor.zeros(shape);
  }

  /** An arena buffer with unspecified contents, valid until this tape closes. */
  public Tensor alloc(Shape shape) {
    ensureOpen();
    if (!recording) {
      return Tensor.zeros(shape);
    }
    float[] a = pool.take(shape.size());
    taken.add(a);
    return Tensor.wrap(a, 0, shape);
  }

  /** An arena buffer filled with zeros, valid until this tape closes. */
  public Tensor allocZeroed(Shape shape) {
    Tensor t = alloc(shape);
    Arrays.fill(t.data(), t.offset(), t.offset() + t.size(), 0f);
    return t;
  }

  /**
   * Makes the output node of an op. When the tape records and some input requires a gradient, the
   * output requires one too and {@code rule} is recorded; otherwise nothing is recorded.
   *
   * @param value the op's output value
   * @param rule the backward rule, which receives the output node (may be {@code null} for ops
   *     without one)
   * @param inputs the op's inputs
   */
  public static Var result(Tensor value, Backward rule, Var... inputs) {
    Tape t = CURRENT.get();
    boolean needs = false;
    if (t != null && t.recording) {
      for (Var v : inputs) {
        if (v.requiresGrad()) {
          needs = true;
          break;
        }
      }
    }
    Var out = new Var(value, needs, null, t);
    if (needs && rule != null) {
      t.outputs.add(out);
      t.rules.add(rule);
    }
    return out;
  }

  /**
   * Runs every recorded backward rule in reverse order, starting from {@code d loss / d loss = 1}.
   * Parameter gradients accumulate into {@link Parameter#grad()}.
   *
   * @throws IllegalArgumentException if {@code loss} does not have exactly one element
   * @throws IllegalStateException if this tape does not record, or is closed
   */
  public void backward(Var loss) {
    ensureOpen();
    Checks.requireArgument(
        loss.value().size() == 1,
        "Tape.backward: loss must have one element, but has shape %s",
        loss.shape());
    if (!recording) {
      throw new IllegalStateException("Tape.backward: a noGrad scope records no ops");
    }
    if (!loss.requiresGrad()) {
      return;
    }
    Tensor g = loss.grad();
    g.setFlat(0, g.getFlat(0) + 1f);
    for (int i = rules.size() - 1; i >= 0; i--) {
      if (outputs.get(i).gradOrNull() != null) {
        rules.get(i).run(outputs.get(i));
      }
    }
  }

  /** The arena arrays this tape holds (for tests of buffer reuse). */
  List<float[]> arenaBuffers() {
    return java.util.Collections.unmodifiableList(taken);
  }

  /** Number of recorded ops (for tests and diagnostics). */
  public int size() {
    return rules.size();
  }

  /**
   * Returns the arena buffers for reuse and closes this scope; values made on it become invalid.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (CURRENT.get() != this) {
      throw new IllegalStateException(
          "Tape.close: tapes must be closed in the reverse order of opening");
    }
    CURRENT.set(parent);
    for (float[] a : taken) {
      pool.give(a);
    }
    taken.clear();
    outputs.clear();
    rules.clear();
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("Tape: this tape is closed");
    }
  }
}
