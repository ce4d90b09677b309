package io.flows4j.distributions;

import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.io.Json;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * The uniform distribution on an axis-aligned box {@code [low_1, high_1] x ... x [low_D, high_D]}:
 *
 * <pre>
 *   log p(z) = -sum_j log(high_j - low_j)   if low_j <= z_j <= high_j for every j
 *            = -infinity                     otherwise
 * </pre>
 *
 * <p>The box is fixed (not trained); {@code low} and {@code high} are stored in the {@link
 * #spec()}. A point outside the box has log-density {@code -infinity}, by design: training a flow
 * whose base this is on data that its transform maps outside the box gives a non-finite loss, which
 * the trainer reports as such. The log-density has no gradient with respect to {@code z} (it is
 * constant inside the box).
 *
 * <p>Sampling at a temperature scales the box about its centre: {@code z_j = centre_j + temperature
 * * (u_j - 1/2) (high_j - low_j)} with {@code u_j ~ U[0, 1)}. At temperatures up to 1 every sample
 * lies in the box (float32 values are kept inside it); above 1 samples can fall outside, where the
 * log-density is {@code -infinity}.
 */
public final class UniformBox implements Distribution {
  static final String TYPE = "uniform-box";

  private final double[] low;
  private final double[] high;
  private final float[] lowFloat;
  private final float[] highFloat;
  private final double logVolume;

  /**
   * Creates the distribution on the box {@code [low, high]}.
   *
   * @param low lower corner, one value per feature
   * @param high upper corner, one value per feature
   * @throws IllegalArgumentException if the arrays are empty or differ in length, a bound is not
   *     finite, {@code low_j >= high_j} for some feature, or a side holds no float32 value
   */
  public UniformBox(double[] low, double[] high) {
    Checks.requireArgument(
        low.length > 0 && low.length == high.length,
        "UniformBox: low and high must be non-empty and of equal length, but had %d and %d",
        low.length,
        high.length);
    this.low = low.clone();
    this.high = high.clone();
    int d = low.length;
    this.lowFloat = new float[d];
    this.highFloat = new float[d];
    double volume = 0;
    for (int j = 0; j < d; j++) {
      Checks.requireArgument(
          Double.isFinite(low[j]) && Double.isFinite(high[j]),
          "UniformBox: bounds must be finite, but feature %d has [%s, %s]",
          j,
          low[j],
          high[j]);
      Checks.requireArgument(
          low[j] < high[j],
          "UniformBox: low must be < high in every feature, but feature %d has low %s >= high %s",
          j,
          low[j],
          high[j]);
      double width = high[j] - low[j];
      Checks.requireArgument(
          Double.isFinite(width),
          "UniformBox: the width of feature %d must be finite, but [%s, %s] overflows",
          j,
          low[j],
          high[j]);
      float lo = (float) low[j];
      if (lo < low[j]) {
        lo = Math.nextUp(lo);
      }
      float hi = (float) high[j];
      if (hi > high[j]) {
        hi = Math.nextDown(hi);
      }
      Checks.requireArgument(
          lo <= hi,
          "UniformBox: feature %d, [%s, %s], must contain a float32 value",
          j,
          low[j],
          high[j]);
      lowFloat[j] = lo;
      highFloat[j] = hi;
      volume += Math.log(width);
    }
    this.logVolume = volume;
  }

  @Override
  public Shape eventShape() {
    return Shape.of(low.length);
  }

  /** A copy of the lower corner. */
  public double[] low() {
    return low.clone();
  }

  /** A copy of the upper corner. */
  public double[] high() {
    return high.clone();
  }

  /**
   * The log-density of each row: {@code -log volume} inside the box (boundary included), {@code
   * -infinity} outside.
   *
   * @param z of shape {@code [batch, D]}
   * @return of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code z} is not {@code [batch, D]}
   */
  @Override
  public Var logProb(Var z) {
    Distributions.requireEvent("UniformBox.logProb", z, eventShape());
    int n = z.shape().batch();
    int d = low.length;
    Tensor zv = z.value();
    Tensor y = Tape.newValue(Shape.of(n));
    float inside = (float) -logVolume;
    for (int i = 0; i < n; i++) {
      boolean in = true;
      for (int j = 0; j < d && in; j++) {
        double v = zv.getFlat(i * d + j);
        in = v >= low[j] && v <= high[j];
      }
      y.setFlat(i, in ? inside : Float.NEGATIVE_INFINITY);
    }
    // Constant inside the box: no gradient flows to z (the rule is null).
    return Tape.result(y, null, z);
  }

  @Override
  public Tensor sample(int n, double temperature, Rng rng) {
    Distributions.requireSampleArgs("UniformBox.sample", n, temperature);
    int d = low.length;
    Tensor z = Tensor.zeros(n, d);
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        double centre = 0.5 * (low[j] + high[j]);
        double u = rng.nextUniform() - 0.5;
        float v = (float) (centre + temperature * u * (high[j] - low[j]));
        if (temperature <= 1) {
          // Rounding to float32 must not carry a sample out of the box.
          v = Math.min(Math.max(v, lowFloat[j]), highFloat[j]);
        }
        z.setFlat(i * d + j, v);
      }
    }
    return z;
  }

  @Override
  public Json.Obj spec() {
    return Distributions.spec(TYPE).put("low", low).put("high", high).build();
  }

  static UniformBox fromSpec(Json.Obj spec) {
    return new UniformBox(
        Distributions.doubles(spec, "UniformBox", "low"),
        Distributions.doubles(spec, "UniformBox", "high"));
  }

  @Override
  public String toString() {
    return "UniformBox[" + low.length + "]";
  }
}
