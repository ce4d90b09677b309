package io.flows4j.bijectors;

import io.flows4j.bijectors.autoregressive.MaskedAffineAutoregressive;
import io.flows4j.bijectors.coupling.AdditiveCoupling;
import io.flows4j.bijectors.coupling.AffineCoupling;
import io.flows4j.bijectors.coupling.SplineCoupling;
import io.flows4j.bijectors.image.ConvAffineCoupling;
import io.flows4j.bijectors.image.InvertibleConv1x1;
import io.flows4j.bijectors.image.MultiScale;
import io.flows4j.bijectors.image.Squeeze;
import io.flows4j.bijectors.linear.LULinear;
import io.flows4j.bijectors.linear.Permutation;
import io.flows4j.bijectors.lowrank.Planar;
import io.flows4j.bijectors.lowrank.Radial;
import io.flows4j.bijectors.lowrank.Sylvester;
import io.flows4j.bijectors.residual.InvertibleResidualBlock;
import io.flows4j.bijectors.spline.SplineAutoregressive;
import io.flows4j.io.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Rebuilds bijectors from their {@link Bijector#spec() JSON descriptions}, for model files. Each
 * bijector type registers a factory under the name it writes in its {@code "type"} member.
 */
public final class BijectorRegistry {
  private static final Map<String, Function<Json.Obj, Bijector>> FACTORIES =
      new ConcurrentHashMap<>();

  static {
    register(Chain.TYPE, BijectorRegistry::chainFromSpec);
    register(Inverted.TYPE, spec -> Bijectors.inverted(build(spec.getObject("inner"))));
    register(ElementwiseAffine.TYPE, ElementwiseAffine::fromSpec);
    register(ActNorm.TYPE, ActNorm::fromSpec);
    register(BatchNormFlow.TYPE, BatchNormFlow::fromSpec);
    register(Sigmoid.TYPE, Sigmoid::fromSpec);
    register(Logit.TYPE, Logit::fromSpec);
    register(Tanh.TYPE, Tanh::fromSpec);
    register(Standardization.TYPE, Standardization::fromSpec);
    register(MaskedAffineAutoregressive.TYPE, MaskedAffineAutoregressive::fromSpec);
    register(Permutation.TYPE, Permutation::fromSpec);
    register(LULinear.TYPE, LULinear::fromSpec);
    register(AffineCoupling.TYPE, AffineCoupling::fromSpec);
    register(AdditiveCoupling.TYPE, AdditiveCoupling::fromSpec);
    register(SplineCoupling.TYPE, SplineCoupling::fromSpec);
    register(SplineAutoregressive.TYPE, SplineAutoregressive::fromSpec);
    register(BoundContext.TYPE, BoundContext::fromSpec);
    register(Planar.TYPE, Planar::fromSpec);
    register(Radial.TYPE, Radial::fromSpec);
    register(Sylvester.TYPE, Sylvester::fromSpec);
    register(InvertibleResidualBlock.TYPE, InvertibleResidualBlock::fromSpec);
    register(InvertibleConv1x1.TYPE, InvertibleConv1x1::fromSpec);
    register(ConvAffineCoupling.TYPE, ConvAffineCoupling::fromSpec);
    register(Squeeze.TYPE, Squeeze::fromSpec);
    register(MultiScale.TYPE, MultiScale::fromSpec);
  }

  private BijectorRegistry() {}

  /**
   * Registers the factory of a bijector type.
   *
   * @throws IllegalArgumentException if another factory is registered under {@code type}
   */
  public static void register(String type, Function<Json.Obj, Bijector> factory) {
    Function<Json.Obj, Bijector> previous = FACTORIES.putIfAbsent(type, factory);
    if (previous != null && previous != factory) {
      throw new IllegalArgumentException(
          "BijectorRegistry: type '" + type + "' is already registered");
    }
  }

  /**
   * Builds a bijector (with freshly initialised weights) from its description.
   *
   * @throws IllegalArgumentException if the type is unknown or the description is invalid
   */
  public static Bijector build(Json.Obj spec) {
    String type = spec.getString("type");
    Function<Json.Obj, Bijector> f = FACTORIES.get(type);
    if (f == null) {
      throw new IllegalArgumentException(
          "BijectorRegistry: unknown bijector type '"
              + type
              + "'; known types are "
              + new TreeMap<>(FACTORIES).keySet());
    }
    return f.apply(spec);
  }

  private static Bijector chainFromSpec(Json.Obj spec) {
    Json.Arr layers = spec.getArray("layers");
    List<Bijector> built = new ArrayList<>(layers.size());
    for (int i = 0; i < layers.size(); i++) {
      Json item = layers.get(i);
      if (!(item instanceof Json.Obj o)) {
        throw new IllegalArgumentException(
            "BijectorRegistry: chain layer "
                + i
                + " must be an object, but was "
                + item.typeName());
      }
      built.add(build(o));
    }
    return Bijectors.chain(built);
  }
}
