package io.flows4j.tensor.kernels;

/**
 * Elementwise, activation and along-an-axis kernels over flat float arrays, with the backward form
 * of each where reverse-mode differentiation needs one.
 *
 * <p>Every method works on ranges {@code [offset, offset + n)} of its arrays; an output range may
 * be the same range as an input (in place), but must not partly overlap one. Backward methods
 * <em>add</em> into their gradient output ({@code gradIn += ...}), the convention of autodiff
 * rules. Ranges that do not fit their arrays throw {@link IndexOutOfBoundsException}.
 *
 * <p>Implementations are chosen once by {@link ElementwiseKernels#get()}: a Vector-API one when the
 * module {@code jdk.incubator.vector} is present, a scalar one otherwise; the same tests run
 * against both. Results of the two agree to a few float ulps (the vector transcendental functions
 * round differently from {@link Math}).
 *
 * <p>Axis methods view their input as {@code [outer, length, inner]} in row-major order: element
 * {@code (o, k, i)} is at {@code offset + (o * length + k) * inner + i}, and the operation runs
 * along {@code k} for every {@code (o, i)}.
 */
public interface Elementwise {

  /** A short name for logs and benchmarks, e.g. {@code "vector-512"} or {@code "scalar"}. */
  String name();

  // ---------------------------------------------------------------- unary maps

  /** {@code y = exp(x)}. */
  void exp(float[] x, int xOff, float[] y, int yOff, int n);

  /** {@code y = log(x)} (NaN for negative x, {@code -inf} at 0). */
  void log(float[] x, int xOff, float[] y, int yOff, int n);

  /** {@code y = f(x)} for an activation {@code f}, in the stable forms of {@link Activation}. */
  void activation(Activation f, float[] x, int xOff, float[] y, int yOff, int n);

  /**
   * {@code gradIn += gradOut * f'(x)}, given the input {@code x} and output {@code y = f(x)} of the
   * forward pass (each rule reads whichever is cheaper).
   */
  void activationBackward(
      Activation f,
      float[] x,
      int xOff,
      float[] y,
      int yOff,
      float[] gradOut,
      int gOff,
      float[] gradIn,
      int giOff,
      int n);

  /** {@code gradIn += gradOut * y}, the backward of {@code y = exp(x)}. */
  void expBackward(
      float[] y, int yOff, float[] gradOut, int gOff, float[] gradIn, int giOff, int n);

  /** {@code gradIn += gradOut / x}, the backward of {@code y = log(x)}. */
  void logBackward(
      float[] x, int xOff, float[] gradOut, int gOff, float[] gradIn, int giOff, int n);

  // ---------------------------------------------------------------- binary maps and updates

  /** {@code c = a + b}. */
  void add(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int n);

  /** {@code c = a - b}. */
  void sub(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int n);

  /** {@code c = a * b}. */
  void mul(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int n);

  /** {@code c = a / b}. */
  void div(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int n);

  /** {@code c += a * b}, fused where the hardware allows. */
  void mulAdd(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int n);

  /** {@code y += alpha * x}. */
  void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n);

  /** {@code y = alpha * x + beta}. */
  void scaleShift(float[] x, int xOff, float alpha, float beta, float[] y, int yOff, int n);

  // ---------------------------------------------------------------- reductions (double sums)

  /** {@code sum(x)}, accumulated in double. */
  double sum(float[] x, int xOff, int n);

  /** {@code sum(x^2)}, accumulated in double. */
  double sumOfSquares(float[] x, int xOff, int n);

  /** {@code sum(a * b)}, accumulated in double. */
  double dot(float[] a, int aOff, float[] b, int bOff, int n);

  /** {@code max(x)}; {@code -inf} when {@code n == 0}; NaN if some element is NaN. */
  float max(float[] x, int xOff, int n);

  // ---------------------------------------------------------------- along an axis

  /**
   * {@code y[o, i] = log(sum_k exp(x[o, k, i]))}, shifted by the maximum along {@code k} so no term
   * overflows, summed in double; {@code y} is {@code [outer, inner]}. A row of {@code -inf} gives
   * {@code -inf}.
   */
  void logSumExp(float[] x, int xOff, int outer, int length, int inner, float[] y, int yOff);

  /**
   * The backward of {@link #logSumExp}: {@code gradIn[o, k, i] += gradOut[o, i] exp(x[o, k, i] -
   * y[o, i])}, from the forward input {@code x} and output {@code y} (both {@code gradOut} and
   * {@code y} are {@code [outer, inner]}).
   */
  void logSumExpBackward(
      float[] x,
      int xOff,
      float[] y,
      int yOff,
      float[] gradOut,
      int gOff,
      int outer,
      int length,
      int inner,
      float[] gradIn,
      int giOff);

  /**
   * {@code y[o, k, i] = exp(x[o, k, i]) / sum_j exp(x[o, j, i])}, computed from {@code x - max}.
   */
  void softmax(float[] x, int xOff, int outer, int length, int inner, float[] y, int yOff);

  /** {@code y[o, k, i] = x[o, k, i] - logSumExp_j x[o, j, i]}. */
  void logSoftmax(float[] x, int xOff, int outer, int length, int inner, float[] y, int yOff);

  /**
   * The backward of {@link #softmax}: {@code gradIn[k] += y[k] (gradOut[k] - sum_j gradOut[j]
   * y[j])} along the axis, from the forward output {@code y}.
   */
  void softmaxBackward(
      float[] y,
      int yOff,
      float[] gradOut,
      int gOff,
      int outer,
      int length,
      int inner,
      float[] gradIn,
      int giOff);

  /**
   * The backward of {@link #logSoftmax}: {@code gradIn[k] += gradOut[k] - exp(y[k]) sum_j
   * gradOut[j]} along the axis, from the forward output {@code y}.
   */
  void logSoftmaxBackward(
      float[] y,
      int yOff,
      float[] gradOut,
      int gOff,
      int outer,
      int length,
      int inner,
      float[] gradIn,
      int giOff);
}
