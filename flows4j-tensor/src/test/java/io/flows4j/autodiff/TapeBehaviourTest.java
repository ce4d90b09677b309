package io.flows4j.autodiff;

import static org.assertj.core.api.Assertions.assertThat;

import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** How ops interact with tapes: what gets recorded, what survives, what is reused. */
class TapeBehaviourTest {
  private static final int BATCH = 256;
  private static final int IN = 8;
  private static final int HIDDEN = 64;

  /** Bytes a warmed-up training step may allocate: far below one [256, 64] buffer (64 KiB). */
  private static final long STEP_ALLOCATION_BUDGET = 16 * 1024;

  /** Steps allowed for the JIT to compile the kernels before the allocation budget must hold. */
  private static final int MAX_WARMUP_STEPS = 5000;

  private final Parameter w1 = new Parameter("w1", GradCheck.uniform(1, -0.3, 0.3, HIDDEN, IN));
  private final Parameter b1 = new Parameter("b1", GradCheck.uniform(2, -0.3, 0.3, HIDDEN));
  private final Parameter w2 = new Parameter("w2", GradCheck.uniform(3, -0.3, 0.3, IN, HIDDEN));
  private final Tensor data = GradCheck.uniform(4, -1, 1, BATCH, IN);

  /** A small maximum-likelihood step; returns every node so tests can inspect its buffers. */
  private List<Var> step(Tape tape) {
    List<Var> nodes = new ArrayList<>();
    Var x = tape.input(data);
    Var h = LinearOps.linear(x, tape.param(w1), tape.param(b1), Activation.RELU);
    Var z = LinearOps.linear(h, tape.param(w2), null, Activation.IDENTITY);
    Var logp = Losses.standardNormalLogProb(MathOps.softClip(z, 3f));
    Var loss = Losses.meanNegative(logp);
    nodes.add(h);
    nodes.add(z);
    nodes.add(logp);
    nodes.add(loss);
    if (tape.recording()) {
      tape.backward(loss);
    }
    return nodes;
  }

  @Test
  void noGradRecordsNothingAndItsValuesSurviveTheScope() {
    Tensor before;
    Var z;
    try (Tape tape = Tape.noGrad()) {
      List<Var> nodes = step(tape);
      assertThat(tape.size()).isZero();
      z = nodes.get(1);
      assertThat(z.requiresGrad()).isFalse();
      before = z.value().copy();
    }
    // A later recording step reuses arena buffers; the no-grad value must not be one of them.
    try (Tape tape = Tape.record()) {
      step(tape);
      step(tape);
    }
    assertThat(z.value().toArray()).containsExactly(before.toArray());
  }

  @Test
  void gradientsAccumulateOverTwoTapes() {
    try (Tape tape = Tape.record()) {
      step(tape);
    }
    float[] once = w1.grad().toArray();
    try (Tape tape = Tape.record()) {
      step(tape);
    }
    float[] twice = w1.grad().toArray();
    assertThat(once).isNotEqualTo(new float[once.length]);
    for (int i = 0; i < once.length; i++) {
      assertThat(twice[i]).isEqualTo(2 * once[i]);
    }
  }

  @Test
  void opsOnInputsWithoutGradientRecordNothing() {
    try (Tape tape = Tape.record()) {
      Var x = tape.input(data);
      Var w = tape.input(w1.value());
      Var y = MathOps.exp(LinearOps.linear(x, w, null, Activation.TANH));
      Var s = Reductions.sum(ArithmeticOps.mul(y, y));
      assertThat(tape.size()).isZero();
      assertThat(s.requiresGrad()).isFalse();
    }
  }

  @Test
  void aSecondIdenticalStepReusesTheArenaBuffers() {
    Set<float[]> first = Collections.newSetFromMap(new IdentityHashMap<>());
    Set<float[]> second = Collections.newSetFromMap(new IdentityHashMap<>());
    try (Tape tape = Tape.record()) {
      step(tape);
      first.addAll(tape.arenaBuffers());
    }
    try (Tape tape = Tape.record()) {
      List<Var> nodes = step(tape);
      second.addAll(tape.arenaBuffers());
      for (Var v : nodes) {
        assertThat(second).as("values live in the arena").contains(v.value().data());
      }
    }
    assertThat(first.size()).isGreaterThanOrEqualTo(8);
    Set<float[]> fresh = Collections.newSetFromMap(new IdentityHashMap<>());
    fresh.addAll(second);
    fresh.removeAll(first);
    assertThat(fresh.size()).as("arrays of the second step not used by the first").isZero();
    assertThat(second.size()).isEqualTo(first.size());
  }

  @Test
  @DisplayName("once compiled, a step allocates almost nothing on the heap")
  void aWarmStepAllocatesAlmostNothing() {
    var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long id = Thread.currentThread().threadId();
    // Until C2 compiles the vector kernels, the Vector API boxes its vectors; wait for that.
    long allocated = Long.MAX_VALUE;
    for (int i = 0; i < MAX_WARMUP_STEPS && allocated >= STEP_ALLOCATION_BUDGET; i++) {
      long before = bean.getThreadAllocatedBytes(id);
      try (Tape tape = Tape.record()) {
        step(tape);
      }
      allocated = bean.getThreadAllocatedBytes(id) - before;
    }
    assertThat(allocated).isLessThan(STEP_ALLOCATION_BUDGET);
  }
}
