package io.flows4j.vi;

import io.flows4j.bijectors.Bijector;
import io.flows4j.distributions.StandardNormal;
import io.flows4j.flows.Flow;
import io.flows4j.flows.Presets;
import io.flows4j.tensor.Checks;
import java.util.List;
import java.util.Locale;

/**
 * The flows offered for variational inference, by name, as {@code flows4j vi --flow} and {@code
 * bench W2} build them: a preset's transform over a fixed standard normal base. Variational
 * inference samples the flow at every step, so the sampling direction ({@code inverse}, latent to
 * data) should be the cheap, closed-form one: planar, radial and Sylvester flows are written that
 * way round (Rezende and Mohamed 2015; van den Berg et al. 2018); of the density-estimation
 * presets, coupling flows ({@code realnvp}, {@code nsf}) invert in one pass, while {@code maf}
 * inverts in {@code D} sequential passes (cheap for the 2-D targets).
 */
public final class VariationalFlows {
  /** The flow names {@code vi --flow} accepts, in the order its help lists them. */
  public static final List<String> NAMES =
      List.of("planar", "radial", "sylvester", "residual", "realnvp", "maf", "nsf");

  private VariationalFlows() {}

  /**
   * The flow {@code name} over {@code features} dimensions with a standard normal base.
   *
   * @param name one of {@link #NAMES} (case-insensitive)
   * @param features the target's dimension {@code D}
   * @param layers flow layers {@code K}, {@code >= 1}
   * @param hidden hidden widths of the conditioners (ignored by flows without any)
   * @param seed seed of the initial weights
   * @throws IllegalArgumentException if the name is unknown or not available in this build, or a
   *     size is out of range
   */
  public static Flow flow(String name, int features, int layers, int[] hidden, long seed) {
    return new Flow(transform(name, features, layers, hidden, seed), new StandardNormal(features));
  }

  /**
   * The one place that builds a variational flow's transform: {@link Presets#variationalTransform},
   * whose planar, radial and Sylvester layers have their closed form in the sampling direction.
   */
  static Bijector transform(String name, int features, int layers, int[] hidden, long seed) {
    String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    Checks.requireArgument(
        NAMES.contains(key),
        "flow: must be one of %s, but was '%s'",
        String.join(", ", NAMES),
        name);
    return Presets.variationalTransform(key, features, layers, hidden, seed);
  }
}
