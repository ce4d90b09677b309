package io.flows4j.bijectors.residual;

import java.util.Locale;

/** How a residual block computes {@code log det(I + J_g(x))}. */
public enum LogDetMethod {
  /**
   * Exactly: the {@code D x D} Jacobian of every row by forward-mode propagation of {@code D}
   * tangent vectors through the network, then LU. Costs about {@code D} extra network passes;
   * deterministic. The default for {@code D <= } {@link InvertibleResidualBlock#EXACT_LIMIT}.
   */
  EXACT,
  /**
   * The unbiased Russian-roulette power-series estimator with the Neumann-series gradient (Chen et
   * al. 2019, section 3): random, a few Jacobian-vector products per call whatever {@code D}. The
   * default above {@link InvertibleResidualBlock#EXACT_LIMIT} features.
   */
  ESTIMATOR;

  /** The lower-case name used in specs and on the command line. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The method named {@code id}, ignoring case.
   *
   * @throws IllegalArgumentException if there is none
   */
  public static LogDetMethod of(String id) {
    for (LogDetMethod m : values()) {
      if (m.id().equalsIgnoreCase(id.trim())) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        "logDet: must be 'exact' or 'estimator', but was '" + id + "'");
  }

  /** The default for {@code features} features: exact up to the limit, estimated above it. */
  public static LogDetMethod defaultFor(int features) {
    return features <= InvertibleResidualBlock.EXACT_LIMIT ? EXACT : ESTIMATOR;
  }
}
