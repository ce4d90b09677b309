package io.flows4j.autodiff;

import io.flows4j.tensor.kernels.Activation;
import io.flows4j.tensor.kernels.Elementwise;
import io.flows4j.tensor.kernels.ElementwiseKernels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Run by {@link ColdHotTest} in a fresh JVM: computes every vector kernel that evaluates a
 * transcendental once on fixed inputs before any JIT compilation, then again after {@link #WARMUP}
 * calls of each (by then C2 has compiled and inlined the vector loops), and prints {@code ok} or
 * the names of the kernels whose outputs changed.
 */
final class ColdHotProbe {
  /** Warm-up calls of each kernel; C2 compiles a loop after about 10,000. */
  static final int WARMUP = 50_000;

  /** Values per warm-up call: whole vectors and a tail at every vector width up to 512 bits. */
  private static final int SMALL = 67;

  /**
   * Values of the compared calls: enough that a last-bit difference between two implementations
   * shows (the lanewise EXP of this JDK differed on about 1% of arguments).
   */
  private static final int LARGE = 4099;

  private static final int COLS = 37;

  private ColdHotProbe() {}

  public static void main(String[] args) {
    Elementwise k = ElementwiseKernels.vectorOrNull();
    EpilogueKernel e = new VectorEpilogue();
    Inputs large = new Inputs(LARGE);
    Inputs small = new Inputs(SMALL);
    List<String> names = new ArrayList<>();
    List<Consumer<Inputs>> kernels = new ArrayList<>();
    names.add("exp");
    kernels.add(in -> k.exp(in.x, 0, in.out, 0, in.n));
    names.add("log");
    kernels.add(in -> k.log(in.pos, 0, in.out, 0, in.n));
    for (Activation act : Activation.values()) {
      names.add("activation " + act);
      kernels.add(in -> k.activation(act, in.x, 0, in.out, 0, in.n));
      names.add("activationBackward " + act);
      kernels.add(
          in -> {
            k.activation(act, in.x, 0, in.y, 0, in.n);
            Arrays.fill(in.out, 0f);
            k.activationBackward(act, in.x, 0, in.y, 0, in.g, 0, in.out, 0, in.n);
          });
      names.add("forwardRows " + act);
      kernels.add(
          in -> e.forwardRows(in.x, 0, in.g, 0, in.out, 0, in.y, 0, 0, in.n / COLS, COLS, act));
      names.add("backwardRows " + act);
      kernels.add(
          in -> {
            e.forwardRows(in.x, 0, in.g, 0, in.z, 0, in.y, 0, 0, in.n / COLS, COLS, act);
            e.backwardRows(
                in.g, 0, in.z, 0, in.y, 0, in.out, 0, false, null, 0, 0, in.n / COLS, COLS, act);
          });
    }
    List<float[]> cold = new ArrayList<>();
    for (Consumer<Inputs> kernel : kernels) {
      kernel.accept(large);
      cold.add(large.out.clone());
    }
    for (int w = 0; w < WARMUP; w++) {
      for (Consumer<Inputs> kernel : kernels) {
        kernel.accept(small);
      }
    }
    List<String> changed = new ArrayList<>();
    for (int i = 0; i < kernels.size(); i++) {
      kernels.get(i).accept(large);
      if (!Arrays.equals(cold.get(i), large.out)) {
        changed.add(names.get(i));
      }
    }
    System.out.println(changed.isEmpty() ? "ok" : "changed: " + String.join(", ", changed));
  }

  /** Fixed arguments (seed 93) and output buffers of one length. */
  private static final class Inputs {
    final int n;
    final float[] x;
    final float[] pos;
    final float[] g;
    final float[] y;
    final float[] z;
    final float[] out;

    Inputs(int n) {
      this.n = n;
      SplittableRandom r = new SplittableRandom(93);
      x = new float[n];
      pos = new float[n];
      g = new float[n];
      for (int i = 0; i < n; i++) {
        x[i] = (float) r.nextDouble(-12, 12);
        pos[i] = (float) Math.exp(r.nextDouble(-30, 30));
        g[i] = (float) r.nextDouble(-1, 1);
      }
      y = new float[n];
      z = new float[n];
      out = new float[n];
    }
  }
}
