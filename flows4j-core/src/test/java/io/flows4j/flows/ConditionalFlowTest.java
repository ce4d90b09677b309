package io.flows4j.flows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.autodiff.Losses;
import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.Bijectors;
import io.flows4j.bijectors.ElementwiseAffine;
import io.flows4j.bijectors.autoregressive.MaskedAffineAutoregressive;
import io.flows4j.bijectors.coupling.AffineCoupling;
import io.flows4j.bijectors.coupling.CouplingMask;
import io.flows4j.bijectors.spline.RationalQuadraticSpline;
import io.flows4j.bijectors.spline.SplineAutoregressive;
import io.flows4j.distributions.ConditionalDiagonalGaussian;
import io.flows4j.distributions.Distribution;
import io.flows4j.distributions.StandardNormal;
import io.flows4j.io.Json;
import io.flows4j.nn.MADE;
import io.flows4j.nn.MLP;
import io.flows4j.optim.Adam;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Conditional flows: agreement of the density paths, fitting, save and load, bad contexts. */
class ConditionalFlowTest {
  private static final long SEED = 20261123L;
  private static final int D = 3;
  private static final int C = 2;
  private static final int RAW = 4;
  private static final int N = 9;

  /** Float32 log-densities of a few layers computed two ways (one per direction). */
  private static final double AGREE_TOL = 2e-3;

  /**
   * A flow with every kind of part: coupling, MAF and spline layers, conditional base, embedding.
   */
  private static ConditionalFlow rich(long seed) {
    Bijector chain =
        Bijectors.chain(
            new AffineCoupling(
                CouplingMask.alternatingHalves(D, 0),
                new int[] {8},
                Activation.TANH,
                AffineCoupling.DEFAULT_SCALE_BOUND,
                seed,
                C),
            MaskedAffineAutoregressive.builder(D)
                .hidden(8)
                .reversedOrder()
                .context(C)
                .seed(seed + 1)
                .build(),
            new ElementwiseAffine(D),
            new SplineAutoregressive(
                D,
                MADE.naturalOrder(D),
                new int[] {8},
                Activation.TANH,
                new RationalQuadraticSpline(4, 3.0),
                seed + 2,
                C));
    ConditionalFlow f =
        new ConditionalFlow(
            chain,
            new ConditionalDiagonalGaussian(D, C, new int[] {6}, seed + 3),
            new MLP(new int[] {RAW, 6, C}, Activation.TANH, seed + 4),
            RAW);
    Rng rng = new Rng(seed + 5);
    for (Parameter p : f.parameters()) {
      for (int i = 0; i < p.value().size(); i++) {
        p.value().setFlat(i, p.value().getFlat(i) + (float) (0.2 * rng.nextGaussian()));
      }
    }
    return f;
  }

  private static Tensor normal(long seed, int rows, int cols) {
    return new Rng(seed).fillNormal(Tensor.zeros(rows, cols), 0, 1);
  }

  @Test
  @DisplayName("sampleWithLogProb and logProb agree on the same points (seed 20261123)")
  void sampleWithLogProbAgreesWithLogProb() {
    ConditionalFlow f = rich(SEED);
    for (Tensor c : new Tensor[] {normal(SEED + 1, N, RAW), normal(SEED + 2, 1, RAW)}) {
      Tensor x;
      Tensor lp;
      try (Tape t = Tape.noGrad()) {
        Distribution.Sampled s = f.sampleWithLogProb(N, t.input(c), new Rng(SEED + 3));
        x = s.value().value();
        lp = s.logProb().value();
      }
      Tensor again = f.logProb(x, c);
      for (int i = 0; i < N; i++) {
        assertThat((double) lp.getFlat(i))
            .as("row %d, context rows %d", i, c.dim(0))
            .isCloseTo(again.getFlat(i), within(AGREE_TOL));
      }
    }
  }

  @Test
  @DisplayName("decode inverts encode at each row's context; sample uses the context")
  void encodeDecodeAndSample() {
    ConditionalFlow f = rich(SEED);
    Tensor x = normal(SEED + 4, N, D);
    Tensor c = normal(SEED + 5, N, RAW);
    Tensor back = f.decode(f.encode(x, c), c);
    for (int i = 0; i < x.size(); i++) {
      assertThat((double) back.getFlat(i)).isCloseTo(x.getFlat(i), within(1e-3));
    }
    Tensor one = normal(SEED + 6, 1, RAW);
    Tensor other = normal(SEED + 7, 1, RAW);
    Tensor a = f.sample(N, one, new Rng(SEED));
    Tensor b = f.sample(N, other, new Rng(SEED));
    assertThat(a.toArray()).isNotEqualTo(b.toArray());
    assertThat(f.sample(N, one, new Rng(SEED)).toArray()).containsExactly(a.toArray());
  }

  @Test
  @DisplayName("spec and state rebuild the same conditional density")
  void saveAndLoad() {
    ConditionalFlow f = rich(SEED);
    Json.Obj spec = (Json.Obj) Json.parse(f.spec().write());
    ConditionalFlow g = ConditionalFlow.fromSpec(spec);
    g.loadStateDict(f.stateDict());
    Tensor x = normal(SEED + 8, N, D);
    Tensor c = normal(SEED + 9, N, RAW);
    assertThat(g.logProb(x, c).toArray()).containsExactly(f.logProb(x, c).toArray());
  }

  @Test
  @DisplayName("missing and misshapen contexts are refused naming the expected context")
  void badContexts() {
    ConditionalFlow f = rich(SEED);
    Tensor x = normal(SEED, N, D);
    assertThatThrownBy(() -> f.logProb(x, normal(SEED, N, RAW + 1)))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessageContaining("context must have shape [9, 4] or [1, 4], but was [9, 5]");
    try (Tape t = Tape.noGrad()) {
      assertThatThrownBy(() -> f.logProb(t.input(x), null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("conditional on 4 context features");
    }
    assertThatThrownBy(() -> new ConditionalFlow(new ElementwiseAffine(D), new StandardNormal(D)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("neither the transform nor the base takes a context");
  }

  /** Fits {@code flow} to rows x with contexts c by Adam on the whole batch. */
  private static void fit(ConditionalFlow flow, Tensor x, Tensor c, int steps, double lr) {
    Adam adam = new Adam(flow.namedParameters(), io.flows4j.optim.AdamConfig.of(lr));
    for (int s = 0; s < steps; s++) {
      adam.zeroGrad();
      try (Tape t = Tape.record()) {
        Var loss = Losses.meanNegative(flow.logProb(t.input(x), t.input(c)));
        t.backward(loss);
      }
      adam.step();
    }
  }

  /** Data x ~ N(2c, 0.5^2) with c ~ U(-1, 1), one column each. */
  private static Tensor[] shiftingGaussian(long seed, int rows, int d) {
    Rng rng = new Rng(seed);
    Tensor x = Tensor.zeros(rows, d);
    Tensor c = Tensor.zeros(rows, 1);
    for (int i = 0; i < rows; i++) {
      float ci = (float) rng.nextUniform(-1, 1);
      c.set(ci, i, 0);
      for (int j = 0; j < d; j++) {
        x.set((float) (2 * ci + 0.5 * rng.nextGaussian()), i, j);
      }
    }
    return new Tensor[] {x, c};
  }

  /**
   * After fitting, the density of a 1-D conditional Gaussian flow matches the closed form {@code
   * N(x; 2c, 0.25)} of the data's conditional law. The model (a linear conditional base behind an
   * elementwise affine layer) contains the truth, so the gap is estimation and optimisation error
   * only: with 20,000 rows the standard error of the mean is about {@code 0.5 / sqrt(20000 / 3) =
   * 0.006} at the ends of the context range and that of the log-scale about 0.01, which move the
   * log-density at two standard deviations by about {@code 2 * 0.006 / 0.5 + 3 * 0.01 = 0.05}.
   */
  @Test
  @DisplayName("a fitted 1-D conditional Gaussian has the closed-form density N(2c, 0.25) (seed 7)")
  void fittedDensityMatchesClosedForm() {
    Tensor[] data = shiftingGaussian(7, 20_000, 1);
    ConditionalFlow flow =
        new ConditionalFlow(
            new ElementwiseAffine(1), new ConditionalDiagonalGaussian(1, 1, new int[0], 7));
    fit(flow, data[0], data[1], 600, 0.05);
    int k = 0;
    Tensor x = Tensor.zeros(25, 1);
    Tensor c = Tensor.zeros(25, 1);
    for (double ci = -1; ci <= 1.001; ci += 0.5) {
      for (double u = -2; u <= 2.001; u += 1) {
        c.set((float) ci, k, 0);
        x.set((float) (2 * ci + 0.5 * u), k, 0);
        k++;
      }
    }
    Tensor lp = flow.logProb(x, c);
    for (int i = 0; i < 25; i++) {
      double u = (x.getFlat(i) - 2 * c.getFlat(i)) / 0.5;
      double exact = -0.5 * u * u - Math.log(0.5) - 0.5 * Math.log(2 * Math.PI);
      assertThat((double) lp.getFlat(i))
          .as("x %s at c %s", x.getFlat(i), c.getFlat(i))
          .isCloseTo(exact, within(FIT_TOL));
    }
  }

  /** Largest log-density error of the fitted 1-D model within two standard deviations. */
  private static final double FIT_TOL = 0.08;

  /**
   * A 2-D conditional coupling flow with a fixed standard normal base learns that the mean moves
   * with the context: samples at {@code c = -1, 0, 1} have mean {@code 2c} (within {@link
   * #MEAN_TOL}) and the fitted NLL is near the truth's.
   */
  @Test
  @DisplayName("a conditional coupling flow learns x ~ N(2c, 0.5^2) (seed 11)")
  void learnsAShiftingMean() {
    Tensor[] data = shiftingGaussian(11, 2000, 2);
    Bijector chain =
        Bijectors.chain(
            new AffineCoupling(
                CouplingMask.alternatingHalves(2, 0),
                new int[] {16},
                Activation.TANH,
                AffineCoupling.DEFAULT_SCALE_BOUND,
                11,
                1),
            new AffineCoupling(
                CouplingMask.alternatingHalves(2, 1),
                new int[] {16},
                Activation.TANH,
                AffineCoupling.DEFAULT_SCALE_BOUND,
                12,
                1));
    ConditionalFlow flow = new ConditionalFlow(chain, new StandardNormal(2));
    fit(flow, data[0], data[1], 400, 0.02);
    double nll = 0;
    Tensor lp = flow.logProb(data[0], data[1]);
    for (int i = 0; i < lp.size(); i++) {
      nll -= lp.getFlat(i);
    }
    nll /= lp.size();
    // The entropy of N(2c, 0.25 I) in 2-D: log(2 pi e 0.25) = 1.452.
    double entropy = Math.log(2 * Math.PI * Math.E * 0.25);
    assertThat(nll).isLessThan(entropy + NLL_GAP);
    for (double ci : new double[] {-1, 0, 1}) {
      Tensor c = Tensor.zeros(1, 1);
      c.set((float) ci, 0, 0);
      Tensor s = flow.sample(4000, c, new Rng(13));
      for (int j = 0; j < 2; j++) {
        double mean = 0;
        for (int i = 0; i < 4000; i++) {
          mean += s.get(i, j);
        }
        mean /= 4000;
        assertThat(mean)
            .as("mean of feature %d at c = %s", j, ci)
            .isCloseTo(2 * ci, within(MEAN_TOL));
      }
    }
  }

  private static final double NLL_GAP = 0.1;

  /**
   * An embedding network in front of the layers and the base trains with them: its weights move,
   * and the flow fitted through it reaches the same NLL bound as without it.
   */
  @Test
  @DisplayName("an embedding network trains with the flow (seed 17)")
  void embeddingTrainsWithTheFlow() {
    Tensor[] data = shiftingGaussian(17, 2000, 2);
    MLP embedding = new MLP(new int[] {1, 8, 3}, Activation.TANH, 17);
    ConditionalFlow flow =
        new ConditionalFlow(
            Bijectors.chain(
                new AffineCoupling(
                    CouplingMask.alternatingHalves(2, 0),
                    new int[] {16},
                    Activation.TANH,
                    AffineCoupling.DEFAULT_SCALE_BOUND,
                    18,
                    3)),
            new ConditionalDiagonalGaussian(2, 3, new int[] {16}, 19),
            embedding,
            1);
    float[] before = embedding.layers().get(0).weight().value().toArray();
    fit(flow, data[0], data[1], 400, 0.02);
    assertThat(embedding.layers().get(0).weight().value().toArray()).isNotEqualTo(before);
    double nll = 0;
    Tensor lp = flow.logProb(data[0], data[1]);
    for (int i = 0; i < lp.size(); i++) {
      nll -= lp.getFlat(i);
    }
    assertThat(nll / lp.size()).isLessThan(Math.log(2 * Math.PI * Math.E * 0.25) + NLL_GAP);
  }

  private static final double MEAN_TOL = 0.15;
}
