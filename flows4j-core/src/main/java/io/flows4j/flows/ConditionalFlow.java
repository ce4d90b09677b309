package io.flows4j.flows;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorRegistry;
import io.flows4j.bijectors.ConditionalBijector;
import io.flows4j.bijectors.Contexts;
import io.flows4j.bijectors.Spec;
import io.flows4j.bijectors.Transformed;
import io.flows4j.distributions.ConditionalDistribution;
import io.flows4j.distributions.Distribution;
import io.flows4j.distributions.DistributionRegistry;
import io.flows4j.io.Json;
import io.flows4j.nn.Linear;
import io.flows4j.nn.MLP;
import io.flows4j.nn.Module;
import io.flows4j.nn.UnaryModule;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;
import java.util.List;

/**
 * A conditional normalizing flow {@code p(x | c)}: a bijector {@code f(.; h)} whose conditional
 * layers take context features {@code h}, a base that is either a fixed {@link Distribution} or a
 * {@link ConditionalDistribution} {@code p_Z(z | h)}, and an optional embedding network {@code h =
 * E(c)} from the raw context {@code c} (identity when absent):
 *
 * <pre>
 *   log p(x | c) = log p_Z(f(x; h) | h) + log|det df/dx (x; h)|,    h = E(c)
 *   sampling:      z ~ p_Z(. | h),  x = f^-1(z; h)
 * </pre>
 *
 * (the form of the Glow-TTS / VITS prior, Kim et al. 2020, with {@code p_Z(z | h) = N(mu(h),
 * sigma(h)^2)}). The embedding is trained with the flow: the gradient of the log-density reaches
 * {@code h} through every conditional layer and the base.
 *
 * <p><b>Shapes.</b> Data {@code x} is {@code [batch, D]}; the raw context {@code c} is {@code
 * [batch, C_raw]} (one row per data row) or {@code [1, C_raw]} (one context for all rows); the
 * embedding maps it to {@code [., C]}, the context features of the conditional layers and the base.
 * Direction convention: {@link #encode} is the bijector's {@code forward} (data to latent), {@link
 * #decode} its {@code inverse}.
 *
 * <p>Children: {@code transform}, {@code base}, {@code embedding} (when they are modules), so
 * parameters are named {@code transform.*}, {@code base.*}, {@code embedding.*}.
 */
public final class ConditionalFlow extends Module {
  /** The type name in specs. */
  public static final String TYPE = "conditional-flow";

  private final Bijector transform;
  private final Distribution base;
  private final ConditionalDistribution conditionalBase;
  private final UnaryModule embedding;
  private final int rawContext;
  private final int context;

  /**
   * A conditional flow with a fixed base and no embedding.
   *
   * @param transform data to latent; at least one layer conditional (see {@link Contexts})
   * @param base the base density
   * @throws IllegalArgumentException if nothing is conditional
   */
  public ConditionalFlow(Bijector transform, Distribution base) {
    this(transform, base, null, null, 0);
  }

  /**
   * A conditional flow with a conditional base and no embedding.
   *
   * @param transform data to latent (may be unconditional: then only the base depends on {@code c})
   * @param base the conditional base density
   * @throws IllegalArgumentException if the transform and the base take different context sizes
   */
  public ConditionalFlow(Bijector transform, ConditionalDistribution base) {
    this(transform, null, base, null, 0);
  }

  /**
   * A conditional flow with an embedding network of the raw context.
   *
   * @param transform data to latent
   * @param base a {@link Distribution} or a {@link ConditionalDistribution}
   * @param embedding maps {@code [n, rawContext]} to {@code [n, C]}, trained with the flow
   * @param rawContext the raw context size {@code C_raw}
   * @throws IllegalArgumentException if {@code base} is neither kind, nothing is conditional, or
   *     the sizes do not agree
   */
  public ConditionalFlow(Bijector transform, Object base, UnaryModule embedding, int rawContext) {
    this(
        transform,
        base instanceof Distribution d ? d : null,
        base instanceof ConditionalDistribution cd ? cd : null,
        requireEmbedding(embedding),
        rawContext);
  }

  private static UnaryModule requireEmbedding(UnaryModule embedding) {
    Checks.requireArgument(embedding != null, "ConditionalFlow: embedding must not be null");
    return embedding;
  }

  private ConditionalFlow(
      Bijector transform,
      Distribution base,
      ConditionalDistribution conditionalBase,
      UnaryModule embedding,
      int rawContext) {
    Checks.requireArgument(transform != null, "ConditionalFlow: transform must not be null");
    Checks.requireArgument(
        base != null || conditionalBase != null,
        "ConditionalFlow: base must be a Distribution or a ConditionalDistribution");
    this.transform = transform;
    this.base = base;
    this.conditionalBase = conditionalBase;
    int layers = Contexts.isConditional(transform) ? contextOf(transform) : 0;
    int fromBase = conditionalBase != null ? conditionalBase.contextFeatures() : 0;
    Checks.requireArgument(
        layers > 0 || fromBase > 0,
        "ConditionalFlow: neither the transform nor the base takes a context; use Flow");
    Checks.requireArgument(
        layers == 0 || fromBase == 0 || layers == fromBase,
        "ConditionalFlow: the transform takes %d context features, but the base takes %d",
        layers,
        fromBase);
    this.context = Math.max(layers, fromBase);
    this.embedding = embedding;
    this.rawContext = embedding == null ? context : rawContext;
    Checks.requirePositive(this.rawContext, "ConditionalFlow", "raw context features");
    if (transform instanceof Module m) {
      registerModule("transform", m);
    }
    if (base instanceof Module m) {
      registerModule("base", m);
    }
    if (conditionalBase instanceof Module m) {
      registerModule("base", m);
    }
    if (embedding != null) {
      registerModule("embedding", embedding);
    }
  }

  private static int contextOf(Bijector b) {
    return ((ConditionalBijector) b).contextFeatures();
  }

  /**
   * This flow with {@code first} applied before its transform (e.g. a standardization of the data),
   * sharing the base, the embedding and every parameter with this flow.
   */
  public ConditionalFlow prepend(Bijector first) {
    return new ConditionalFlow(
        io.flows4j.bijectors.Bijectors.chain(first, transform),
        base,
        conditionalBase,
        embedding,
        rawContext);
  }

  /** The base when it does not depend on the context, else {@code null}. */
  public Distribution base() {
    return base;
  }

  /** The base when it depends on the context, else {@code null}. */
  public ConditionalDistribution conditionalBase() {
    return conditionalBase;
  }

  /** The bijector, data to latent. */
  public Bijector transform() {
    return transform;
  }

  /** The event shape of the base. */
  public Shape baseEventShape() {
    return base != null ? base.eventShape() : conditionalBase.eventShape();
  }

  /** Whether the base depends on the context. */
  public boolean hasConditionalBase() {
    return conditionalBase != null;
  }

  /** The raw context size {@code C_raw} that callers pass. */
  public int contextFeatures() {
    return rawContext;
  }

  /** The context features {@code C} of the layers and the base (after the embedding). */
  public int embeddedContextFeatures() {
    return context;
  }

  /** The embedding network, or {@code null}. */
  public UnaryModule embedding() {
    return embedding;
  }

  /**
   * The context features of {@code c}: checked, and mapped through the embedding when there is one.
   *
   * @param c of shape {@code [rows, C_raw]} or {@code [1, C_raw]}
   */
  private Var embed(String op, Var c, int rows) {
    Checks.requireArgument(
        c != null,
        "%s: the flow is conditional on %d context features, but no context was given",
        op,
        rawContext);
    Checks.requireShape(
        c.shape().rank() == 2
            && c.shape().dim(1) == rawContext
            && (c.shape().dim(0) == rows || c.shape().dim(0) == 1),
        "%s: context must have shape [%d, %d] or [1, %d], but was %s",
        op,
        rows,
        rawContext,
        rawContext,
        c.shape());
    if (embedding == null) {
      return c;
    }
    Var h = embedding.forward(c);
    Checks.requireShape(
        h.shape().rank() == 2 && h.shape().dim(1) == context,
        "%s: the embedding must map the context to [n, %d], but gave %s",
        op,
        context,
        h.shape());
    return h;
  }

  private Transformed forwardAt(Var x, Var h) {
    return Contexts.isConditional(transform)
        ? ((ConditionalBijector) transform).forward(x, h)
        : transform.forward(x);
  }

  private Transformed inverseAt(Var z, Var h) {
    return Contexts.isConditional(transform)
        ? ((ConditionalBijector) transform).inverse(z, h)
        : transform.inverse(z);
  }

  private Var baseLogProb(Var z, Var h) {
    return conditionalBase != null ? conditionalBase.logProb(z, h) : base.logProb(z);
  }

  /**
   * The log-density of each row at its context, differentiable (records on the current tape).
   *
   * @param x data of shape {@code [batch, D]}
   * @param c raw context of shape {@code [batch, C_raw]} or {@code [1, C_raw]}
   * @return {@code log p(x | c)} of shape {@code [batch]}
   * @throws IllegalArgumentException if {@code c} is {@code null}
   * @throws io.flows4j.tensor.ShapeMismatchException if a shape does not fit
   */
  public Var logProb(Var x, Var c) {
    Var h = embed("ConditionalFlow.logProb", c, x.shape().dim(0));
    Transformed t = forwardAt(x, h);
    return ArithmeticOps.add(baseLogProb(t.value(), h), t.logAbsDet());
  }

  /**
   * The log-density of each row at its context, without recording.
   *
   * @see #logProb(Var, Var)
   */
  public Tensor logProb(Tensor x, Tensor c) {
    try (Tape t = Tape.noGrad()) {
      return logProb(t.input(x), t.input(c)).value();
    }
  }

  /**
   * Draws {@code n} samples at a context and temperature 1.
   *
   * @see #sample(int, Tensor, double, Rng)
   */
  public Tensor sample(int n, Tensor c, Rng rng) {
    return sample(n, c, 1.0, rng);
  }

  /**
   * Draws {@code n} samples of data at a context by decoding base samples drawn at a temperature.
   *
   * @param c raw context of shape {@code [n, C_raw]} (one per sample) or {@code [1, C_raw]}
   * @return samples of shape {@code [n, D]}
   * @throws IllegalArgumentException if {@code n < 0} or {@code temperature <= 0}
   * @throws io.flows4j.tensor.ShapeMismatchException if the context does not fit
   */
  public Tensor sample(int n, Tensor c, double temperature, Rng rng) {
    Checks.requireArgument(n >= 0, "ConditionalFlow.sample: n must be >= 0, but was %d", n);
    try (Tape t = Tape.noGrad()) {
      Var h = embed("ConditionalFlow.sample", t.input(c), n);
      Var z =
          conditionalBase != null
              ? conditionalBase.sample(n, h, temperature, rng)
              : Var.constant(base.sample(n, temperature, rng));
      return inverseAt(z, h).value().value();
    }
  }

  /**
   * Draws {@code n} samples at a context with their log-densities in one pass, {@code log p(x | c)
   * = log p_Z(z | h) - log|det df^-1/dz|}; records on the current tape (reparameterised).
   *
   * @param c raw context of shape {@code [n, C_raw]} or {@code [1, C_raw]}
   * @return samples of shape {@code [n, D]} and log-densities of shape {@code [n]}
   * @throws IllegalArgumentException if {@code n < 0}
   * @throws io.flows4j.tensor.ShapeMismatchException if the context does not fit
   */
  public Distribution.Sampled sampleWithLogProb(int n, Var c, Rng rng) {
    Checks.requireArgument(
        n >= 0, "ConditionalFlow.sampleWithLogProb: n must be >= 0, but was %d", n);
    Var h = embed("ConditionalFlow.sampleWithLogProb", c, n);
    Distribution.Sampled z =
        conditionalBase != null
            ? conditionalBase.sampleWithLogProb(n, h, rng)
            : base.sampleWithLogProb(n, rng);
    Transformed x = inverseAt(z.value(), h);
    return new Distribution.Sampled(x.value(), ArithmeticOps.sub(z.logProb(), x.logAbsDet()));
  }

  /**
   * Maps data to latent space at a context (the forward direction), without recording.
   *
   * @param x of shape {@code [batch, D]}
   * @param c of shape {@code [batch, C_raw]} or {@code [1, C_raw]}
   */
  public Tensor encode(Tensor x, Tensor c) {
    try (Tape t = Tape.noGrad()) {
      Var h = embed("ConditionalFlow.encode", t.input(c), x.dim(0));
      return forwardAt(t.input(x), h).value().value();
    }
  }

  /**
   * Maps latent values to data space at a context (the inverse direction), without recording.
   *
   * @param z of shape {@code [batch, D]}
   * @param c of shape {@code [batch, C_raw]} or {@code [1, C_raw]}
   */
  public Tensor decode(Tensor z, Tensor c) {
    try (Tape t = Tape.noGrad()) {
      Var h = embed("ConditionalFlow.decode", t.input(c), z.dim(0));
      return inverseAt(t.input(z), h).value().value();
    }
  }

  /**
   * A JSON description of the architecture: transform, base and embedding. An embedding is
   * described only when it is an {@link MLP}.
   *
   * @throws IllegalStateException if the embedding is not an {@link MLP}
   */
  public Json.Obj spec() {
    Spec s =
        Spec.of(TYPE)
            .put("transform", transform.spec())
            .put("base", base != null ? base.spec() : conditionalBase.spec())
            .put("context", rawContext);
    if (embedding != null) {
      if (!(embedding instanceof MLP mlp)) {
        throw new IllegalStateException(
            "ConditionalFlow.spec: only an MLP embedding can be described, but the embedding is a "
                + embedding.getClass().getSimpleName());
      }
      List<Linear> ls = mlp.layers();
      Activation hidden = ls.size() > 1 ? ls.get(0).activation() : Activation.IDENTITY;
      s.put(
          "embedding",
          Spec.of("mlp")
              .put("sizes", mlp.sizes())
              .put("activation", Spec.activationName(hidden))
              .build());
    }
    return s.build();
  }

  /**
   * Rebuilds a conditional flow (fresh weights) from its {@link #spec()}.
   *
   * @throws IllegalArgumentException if the spec is invalid
   */
  public static ConditionalFlow fromSpec(Json.Obj spec) {
    Bijector transform = BijectorRegistry.build(spec.getObject("transform"));
    Json.Obj baseSpec = spec.getObject("base");
    Object base =
        DistributionRegistry.isConditional(baseSpec)
            ? DistributionRegistry.buildConditional(baseSpec)
            : DistributionRegistry.build(baseSpec);
    if (spec.has("embedding")) {
      Json.Obj e = spec.getObject("embedding");
      MLP mlp =
          new MLP(e.getArray("sizes").toIntArray(), Spec.activation(e, "activation"), 0L, false);
      return new ConditionalFlow(transform, base, mlp, spec.getInt("context"));
    }
    return base instanceof ConditionalDistribution cd
        ? new ConditionalFlow(transform, cd)
        : new ConditionalFlow(transform, (Distribution) base);
  }
}
