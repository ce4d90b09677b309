package io.flows4j.cli;

import io.flows4j.flows.Flow;
import io.flows4j.flows.Presets;
import java.util.Locale;

/** The architectures {@code fit --flow} offers: the library's {@link Presets}. */
enum FlowChoice {
  /** RealNVP affine coupling layers. */
  REALNVP("realnvp", 8),
  /** MAF: MADE autoregressive affine layers. */
  MAF("maf", 5),
  /** Neural spline flow: rational-quadratic spline coupling layers. */
  NSF("nsf", 8),
  /** Neural spline flow with autoregressive (MADE) spline layers. */
  NSF_AR("nsf-ar", 4),
  /** NICE additive coupling layers. */
  NICE("nice", 8),
  /** Planar layers (closed form in the density direction). */
  PLANAR("planar", 16),
  /** Radial layers (closed form in the density direction). */
  RADIAL("radial", 16),
  /** Sylvester layers with a Householder frame; rank = first hidden width, at most the features. */
  SYLVESTER("sylvester", 8),
  /** Invertible residual blocks (i-ResNet, Residual Flows). */
  RESIDUAL("residual", 8);

  private final String id;
  private final int defaultLayers;

  FlowChoice(String id, int defaultLayers) {
    this.id = id;
    this.defaultLayers = defaultLayers;
  }

  /** The name on the command line and of the preset. */
  String id() {
    return id;
  }

  /** Layers when {@code --layers} is not given. */
  int defaultLayers() {
    return defaultLayers;
  }

  /**
   * The choice named {@code name}, ignoring case.
   *
   * @throws IllegalArgumentException listing the choices otherwise
   */
  static FlowChoice byName(String name) {
    for (FlowChoice c : values()) {
      if (c.id.equalsIgnoreCase(name.trim())) {
        return c;
      }
    }
    throw new IllegalArgumentException(
        "--flow must be one of " + String.join(", ", Presets.NAMES) + ", but was '" + name + "'");
  }

  /**
   * Hidden widths {@code "64,64"}.
   *
   * @throws IllegalArgumentException if an entry is not a whole number {@code >= 1}
   */
  static int[] parseHidden(String text) {
    String[] parts = text.split(",", -1);
    int[] widths = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      try {
        widths[i] = Integer.parseInt(parts[i].trim());
      } catch (NumberFormatException e) {
        widths[i] = 0;
      }
      if (widths[i] < 1) {
        throw new IllegalArgumentException(
            "--hidden must be whole numbers >= 1 separated by commas, but was '" + text + "'");
      }
    }
    return widths;
  }

  /**
   * Builds the flow over {@code dim} features with a standard normal base.
   *
   * @throws IllegalArgumentException if the preset cannot take that many features (a coupling flow
   *     needs 2)
   */
  Flow build(int dim, int layers, int[] hidden, long seed) {
    return Presets.flow(id, dim, layers, hidden, seed);
  }

  @Override
  public String toString() {
    return id.toLowerCase(Locale.ROOT);
  }
}
