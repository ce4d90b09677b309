package io.flows4j.bench;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.Transformed;
import io.flows4j.distributions.Distribution;
import io.flows4j.distributions.StandardNormal;
import io.flows4j.flows.Flow;
import io.flows4j.flows.Presets;
import io.flows4j.nn.Module;
import io.flows4j.optim.Adam;
import io.flows4j.optim.AdamConfig;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import java.util.Locale;

/**
 * Timing and accuracy of the planar, radial and Sylvester flows ({@code
 * io.flows4j.bijectors.lowrank} through {@link Presets}); prints one JSON line per measurement.
 *
 * <ul>
 *   <li>{@code train [planar|radial|sylvester] [layers] [batch] [sampling|density]}: one reverse-KL
 *       training step of the W2 shape (BENCHMARKS.md), in the sampling-direction orientation
 *       ({@link Presets#variationalTransform}): {@code sampleWithLogProb(batch)} (the closed
 *       forms), the loss {@code mean(log q(x) + |x|^2 / 2)} (the energy of a standard normal
 *       target: a stand-in of the W2 targets, whose cost is not the flow's), backward through the
 *       closed forms, and an Adam update (lr 1e-3, weight decay 0). Default 32 layers, batch 256,
 *       2-D. Reports the median seconds per step. With {@code density} the same step runs through
 *       the other orientation ({@link Presets#transform}): sampling then takes the numerical
 *       direction and its implicit gradients, which shows what the orientation choice is worth.
 *   <li>{@code inverse [rows] [batch]}: for each of planar, radial and Sylvester, {@code K = 16}
 *       layers in 2-D and 8-D with parameters perturbed by N(0, 0.5^2) (seed 0), {@code rows}
 *       points (default 100,000) drawn from the flow ({@code z ~ N(0, I)} through the closed form),
 *       then the numerical direction applied to them: the largest {@code |inverse(forward(x)) - x|}
 *       (absolute, and relative to {@code 1 + |x|}), and the median time of one numerical call at
 *       {@code batch} rows (default 10,000).
 * </ul>
 *
 * <p>Run: {@code java -cp ... io.flows4j.bench.LowRankBench train planar}, with {@code
 * -Dflows4j.threads=1} for one thread (the ops of these layers are single-threaded in any case).
 */
public final class LowRankBench {
  private static final String[] KINDS = {"planar", "radial", "sylvester"};

  private LowRankBench() {}

  /**
   * Runs the measurement named by the first argument.
   *
   * @throws IllegalArgumentException for an unknown measurement
   */
  public static void main(String[] args) {
    String what = args.length > 0 ? args[0] : "train";
    switch (what) {
      case "train" -> {
        String kind = args.length > 1 ? args[1] : null;
        int layers = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        int batch = args.length > 3 ? Integer.parseInt(args[3]) : 256;
        boolean sampling = args.length <= 4 || !args[4].equals("density");
        for (String k : kind == null ? new String[] {"planar", "radial"} : new String[] {kind}) {
          System.out.println(train(k, 2, layers, batch, sampling));
        }
      }
      case "inverse" -> {
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 10_000;
        for (String k : KINDS) {
          for (int d : new int[] {2, 8}) {
            System.out.println(inverse(k, d, 16, rows, batch));
          }
        }
      }
      default ->
          throw new IllegalArgumentException(
              "LowRankBench: measurement must be train or inverse, but was '" + what + "'");
    }
  }

  /** One W2-shaped training step, timed; see the class comment. */
  static JsonLine train(String kind, int dim, int layers, int batch, boolean sampling) {
    Flow flow =
        new Flow(
            sampling
                ? Presets.variationalTransform(kind, dim, layers, new int[0], 0)
                : Presets.transform(kind, dim, layers, new int[0], 0),
            new StandardNormal(dim));
    Adam adam = new Adam(flow.namedParameters(), AdamConfig.of(1e-3));
    Rng rng = new Rng(0);
    float[] last = new float[1];
    Runnable step =
        () -> {
          flow.zeroGrad();
          try (Tape tape = Tape.record()) {
            Distribution.Sampled s = flow.sampleWithLogProb(batch, rng);
            Var x = s.value();
            Var energy = ArithmeticOps.scale(Reductions.sumRows(ArithmeticOps.mul(x, x)), 0.5f);
            Var loss = Reductions.mean(ArithmeticOps.add(s.logProb(), energy));
            tape.backward(loss);
            last[0] = loss.item();
          }
          adam.step();
        };
    Timing.Result t = Timing.median(step, 3, 200, 5, 500, 20_000);
    return new JsonLine()
        .put("workload", "W2-step")
        .put("model", kind + "K" + layers)
        .put("closed_form", sampling ? "sampling" : "density")
        .put("dim", dim)
        .put("batch", batch)
        .put("params", flow.parameterCount())
        .put("threads", io.flows4j.tensor.Threads.count())
        .put("runs", t.runs())
        .put("ms_per_step_median", t.medianSeconds() * 1e3)
        .put("final_loss", last[0]);
  }

  /** Accuracy and time of the numerical direction; see the class comment. */
  static JsonLine inverse(String kind, int dim, int layers, int rows, int batch) {
    // Closed form in the sampling direction: decode is closed, encode numerical.
    Bijector b = Presets.variationalTransform(kind, dim, layers, new int[0], 0);
    Rng rng = new Rng(0);
    for (Parameter p : ((Module) b).parameters()) {
      Tensor v = p.value();
      for (int i = 0; i < v.size(); i++) {
        v.setFlat(i, v.getFlat(i) + (float) (0.5 * rng.nextGaussian()));
      }
    }
    Flow flow = new Flow(b, new StandardNormal(dim));
    Tensor x = flow.sample(rows, rng);
    double maxAbs = 0;
    double maxRel = 0;
    double maxLogDet = 0;
    for (int from = 0; from < rows; from += batch) {
      int to = Math.min(rows, from + batch);
      Tensor xs = x.rows(from, to).copy();
      Tensor z;
      Tensor back;
      Tensor ldForward;
      Tensor ldInverse;
      try (Tape t = Tape.noGrad()) {
        Transformed f = b.forward(t.input(xs));
        z = f.value().value();
        ldForward = f.logAbsDet().value();
        Transformed g = b.inverse(f.value());
        back = g.value().value();
        ldInverse = g.logAbsDet().value();
      }
      for (int i = 0; i < xs.size(); i++) {
        double e = Math.abs((double) back.getFlat(i) - xs.getFlat(i));
        maxAbs = Math.max(maxAbs, e);
        maxRel = Math.max(maxRel, e / (1 + Math.abs(xs.getFlat(i))));
      }
      for (int i = 0; i < ldForward.size(); i++) {
        maxLogDet =
            Math.max(maxLogDet, Math.abs((double) ldForward.getFlat(i) + ldInverse.getFlat(i)));
      }
      if (z.size() == 0) {
        throw new IllegalStateException("empty batch");
      }
    }
    Tensor timed = x.rows(0, Math.min(rows, batch)).copy();
    Timing.Result t =
        Timing.median(
            () -> {
              try (Tape tape = Tape.noGrad()) {
                b.forward(tape.input(timed));
              }
            },
            2,
            3,
            3,
            5,
            200);
    return new JsonLine()
        .put("measure", "inverse-accuracy")
        .put("model", kind)
        .put("layers", layers)
        .put("dim", dim)
        .put("points", rows)
        .put("max_abs_error", maxAbs)
        .put("max_rel_error", maxRel)
        .put("max_logdet_sum", maxLogDet)
        .put("batch", timed.shape().dim(0))
        .put(
            "ms_per_numerical_call",
            Double.parseDouble(String.format(Locale.ROOT, "%.3f", t.medianSeconds() * 1e3)));
  }
}
