package io.flows4j.speech.model;

import io.flows4j.autodiff.Tape;
import io.flows4j.optim.Adam;
import io.flows4j.optim.AdamConfig;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.Threads;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Times training steps of the tiny preset at batch 16 (tokens 52-60, frames 220-250: one length
 * bucket of the kit's corpus), forward + backward + Adam, in training mode with dropout. Run by
 * hand (see docs/design-notes.md): {@code java ... GlowTtsStepBenchmark [threads] [steps]}.
 */
final class GlowTtsStepBenchmark {
  private GlowTtsStepBenchmark() {}

  public static void main(String[] args) {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 1;
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    Threads.setCount(threads);
    Rng rng = new Rng(1);
    List<int[]> tokens = new ArrayList<>();
    List<Tensor> mels = new ArrayList<>();
    long tokenCount = 0;
    long frameCount = 0;
    for (int b = 0; b < 16; b++) {
      int n = 52 + rng.nextInt(9);
      int f = 220 + rng.nextInt(31);
      int[] t = new int[n];
      for (int i = 0; i < n; i++) {
        t[i] = rng.nextInt(42);
      }
      tokens.add(t);
      mels.add(rng.fillNormal(Tensor.zeros(80, f), -6.5, 2.3));
      tokenCount += n;
      frameCount += f / 2 * 2;
    }
    SpeechBatch batch = SpeechBatch.of(tokens, mels);
    GlowTts model = new GlowTts(GlowTtsConfig.tiny(), 7);
    Adam adam =
        new Adam(model.parameters(), AdamConfig.of(1e-3).withBetas(0.9, 0.98).withEps(1e-9));
    for (int i = 0; i < 3; i++) {
      step(model, adam, batch);
    }
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    double[] wall = new double[steps];
    java.lang.management.ThreadMXBean tm = java.lang.management.ManagementFactory.getThreadMXBean();
    long main0 = tm.getCurrentThreadCpuTime();
    long cpu0 = os.getProcessCpuTime();
    double loss = 0;
    for (int i = 0; i < steps; i++) {
      long t0 = System.nanoTime();
      loss = step(model, adam, batch);
      wall[i] = (System.nanoTime() - t0) / 1e9;
    }
    double cpuPerStep = (os.getProcessCpuTime() - cpu0) / 1e9 / steps;
    double mainPerStep = (tm.getCurrentThreadCpuTime() - main0) / 1e9 / steps;
    java.util.Arrays.sort(wall);
    System.out.printf(
        Locale.ROOT,
        "threads %d  batch 16  tokens %d  frames %d  params %d  wall s/step: min %.3f median %.3f"
            + "  main-thread CPU s/step %.3f  process CPU s/step %.3f  (loss %.3f)%n",
        threads,
        tokenCount,
        frameCount,
        model.parameterCount(),
        wall[0],
        wall[steps / 2],
        mainPerStep,
        cpuPerStep,
        loss);
    Threads.setCount(1);
  }

  private static double step(GlowTts model, Adam adam, SpeechBatch batch) {
    adam.zeroGrad();
    double v;
    try (Tape t = Tape.record()) {
      GlowTts.Loss l = model.loss(batch);
      t.backward(l.total());
      v = l.total().item();
    }
    adam.step();
    return v;
  }
}
