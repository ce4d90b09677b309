package io.flows4j.distributions;

import io.flows4j.io.Json;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/** Rebuilds base distributions from their {@link Distribution#spec() JSON descriptions}. */
public final class DistributionRegistry {
  private static final Map<String, Function<Json.Obj, Distribution>> FACTORIES =
      new ConcurrentHashMap<>();
  private static final Map<String, Function<Json.Obj, ConditionalDistribution>> CONDITIONAL =
      new ConcurrentHashMap<>();

  static {
    register(StandardNormal.TYPE, StandardNormal::fromSpec);
    register(DiagonalGaussian.TYPE, DiagonalGaussian::fromSpec);
    register(GaussianMixture.TYPE, GaussianMixture::fromSpec);
    register(UniformBox.TYPE, UniformBox::fromSpec);
    registerConditional(ConditionalDiagonalGaussian.TYPE, ConditionalDiagonalGaussian::fromSpec);
  }

  private DistributionRegistry() {}

  /**
   * Registers the factory of a distribution type.
   *
   * @throws IllegalArgumentException if another factory is registered under {@code type}
   */
  public static void register(String type, Function<Json.Obj, Distribution> factory) {
    Function<Json.Obj, Distribution> previous = FACTORIES.putIfAbsent(type, factory);
    if (previous != null && previous != factory) {
      throw new IllegalArgumentException(
          "DistributionRegistry: type '" + type + "' is already registered");
    }
  }

  /**
   * Builds a distribution from its description.
   *
   * @throws IllegalArgumentException if the type is unknown or the description is invalid
   */
  public static Distribution build(Json.Obj spec) {
    String type = spec.getString("type");
    Function<Json.Obj, Distribution> f = FACTORIES.get(type);
    if (f == null) {
      throw new IllegalArgumentException(
          "DistributionRegistry: unknown distribution type '"
              + type
              + "'; known types are "
              + new TreeMap<>(FACTORIES).keySet());
    }
    return f.apply(spec);
  }

  /**
   * Registers the factory of a conditional distribution type.
   *
   * @throws IllegalArgumentException if another factory is registered under {@code type}
   */
  public static void registerConditional(
      String type, Function<Json.Obj, ConditionalDistribution> factory) {
    Function<Json.Obj, ConditionalDistribution> previous = CONDITIONAL.putIfAbsent(type, factory);
    if (previous != null && previous != factory) {
      throw new IllegalArgumentException(
          "DistributionRegistry: conditional type '" + type + "' is already registered");
    }
  }

  /** Whether {@code spec} describes a conditional distribution. */
  public static boolean isConditional(Json.Obj spec) {
    return CONDITIONAL.containsKey(spec.getString("type"));
  }

  /**
   * Builds a conditional distribution from its description.
   *
   * @throws IllegalArgumentException if the type is unknown or the description is invalid
   */
  public static ConditionalDistribution buildConditional(Json.Obj spec) {
    String type = spec.getString("type");
    Function<Json.Obj, ConditionalDistribution> f = CONDITIONAL.get(type);
    if (f == null) {
      throw new IllegalArgumentException(
          "DistributionRegistry: unknown conditional distribution type '"
              + type
              + "'; known types are "
              + new TreeMap<>(CONDITIONAL).keySet());
    }
    return f.apply(spec);
  }
}
