package io.flows4j.bench;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bench.WorkloadBench.Model;
import io.flows4j.bench.WorkloadBench.Workload;
import io.flows4j.data.Dataset;
import io.flows4j.flows.Flow;
import io.flows4j.optim.Adam;
import io.flows4j.optim.AdamConfig;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Measurements of the W1 residual flow beyond the workload's JSON line, run by hand:
 *
 * <ul>
 *   <li>{@code profile [STEPS]}: the median wall time and the median CPU time of this thread per
 *       training step (forward, backward, Adam) on random batches, and the CPU time of the forward
 *       pass alone; on a loaded machine the CPU time is the steadier figure.
 *   <li>{@code inverse DATASET [STEPS] [DATA_DIR]}: trains the model with the W1 protocol on {@code
 *       2d/DATASET}, prints the workload's JSON line, then draws 100,000 points from the trained
 *       model and prints the largest {@code |inverse(forward(x)) - x|} and the time of one inverse
 *       (fixed-point) call on all of them.
 * </ul>
 *
 * <p>Run as {@code java -cp flows4j-cli/target/flows4j.jar io.flows4j.bench.ResidualFlowBench
 * profile} (with {@code --add-modules jdk.incubator.vector}).
 */
public final class ResidualFlowBench {
  /** Points drawn for the inverse-accuracy figure. */
  public static final int INVERSE_POINTS = 100_000;

  private ResidualFlowBench() {}

  /**
   * Entry point.
   *
   * @param args {@code profile [STEPS]} or {@code inverse DATASET [STEPS] [DATA_DIR]}
   */
  public static void main(String[] args) {
    if (args.length >= 1 && args[0].equals("profile")) {
      profile(args.length > 1 ? Integer.parseInt(args[1]) : 300);
    } else if (args.length >= 2 && args[0].equals("inverse")) {
      int steps = args.length > 2 ? Integer.parseInt(args[2]) : Workload.W1.steps;
      Path root = Path.of(args.length > 3 ? args[3] : "../shared/data");
      inverse(args[1], steps, root);
    } else {
      System.err.println(
          "usage: ResidualFlowBench profile [STEPS] | inverse DATASET [STEPS] [DIR]");
      System.exit(2);
    }
  }

  private static void profile(int steps) {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Flow flow = WorkloadBench.flow(Workload.W1, Model.RESIDUAL, 2, WorkloadBench.SEED);
    Adam adam = new Adam(flow.namedParameters(), AdamConfig.of(WorkloadBench.LEARNING_RATE));
    Rng rng = new Rng(1);
    Tensor x = Tensor.zeros(Workload.W1.batch, 2);
    double[] wall = new double[steps];
    double[] cpu = new double[steps];
    double[] forwardCpu = new double[steps];
    flow.train();
    for (int s = 0; s < steps; s++) {
      rng.fillNormal(x, 0, 1);
      long w0 = System.nanoTime();
      long c0 = mx.getCurrentThreadCpuTime();
      adam.zeroGrad();
      try (Tape tape = Tape.record()) {
        Var nll = ArithmeticOps.neg(Reductions.mean(flow.logProb(tape.input(x))));
        forwardCpu[s] = (mx.getCurrentThreadCpuTime() - c0) * 1e-9;
        tape.backward(nll);
      }
      adam.step();
      cpu[s] = (mx.getCurrentThreadCpuTime() - c0) * 1e-9;
      wall[s] = (System.nanoTime() - w0) * 1e-9;
    }
    int from = steps / 3; // after the JIT has settled
    System.out.printf(
        Locale.ROOT,
        "steps %d: wall median %.3f ms, cpu median %.3f ms, forward cpu median %.3f ms%n",
        steps,
        1e3 * median(wall, from),
        1e3 * median(cpu, from),
        1e3 * median(forwardCpu, from));
  }

  private static double median(double[] v, int from) {
    return WorkloadBench.median(Arrays.copyOfRange(v, from, v.length));
  }

  private static void inverse(String dataset, int steps, Path root) {
    Workload w = Workload.W1;
    String set = w.dataset(dataset);
    Dataset train = WorkloadBench.read(w.file(root, set, true));
    Dataset test = WorkloadBench.read(w.file(root, set, false));
    Flow flow = WorkloadBench.flow(w, Model.RESIDUAL, 2, WorkloadBench.SEED);
    WorkloadBench.Result r =
        WorkloadBench.train(flow, train, test, w.batch, steps, WorkloadBench.SEED, null);
    System.out.println(WorkloadBench.line(w, Model.RESIDUAL, set, 2, flow.parameterCount(), 1, r));
    flow.eval();
    Tensor x = flow.sample(INVERSE_POINTS, new Rng(7));
    Tensor z = flow.encode(x);
    long t0 = System.nanoTime();
    Tensor back = flow.decode(z);
    double seconds = (System.nanoTime() - t0) * 1e-9;
    double worst = 0;
    for (int i = 0; i < x.size(); i++) {
      worst = Math.max(worst, Math.abs(back.getFlat(i) - x.getFlat(i)));
    }
    System.out.printf(
        Locale.ROOT,
        "{\"dataset\":\"%s\",\"inverse_points\":%d,\"max_abs_roundtrip_error\":%.3g,"
            + "\"inverse_call_sec\":%.4f,\"inverse_us_per_point\":%.3f}%n",
        set,
        INVERSE_POINTS,
        worst,
        seconds,
        1e6 * seconds / INVERSE_POINTS);
  }
}
