package io.flows4j.tensor.kernels;

import io.flows4j.tensor.StableMath;

/**
 * Pointwise activation functions with their derivatives, in the stable forms of {@link StableMath}.
 * {@link #derivative(float, float)} takes both the input {@code x} and the output {@code y =
 * apply(x)} so each rule can use whichever is cheaper.
 */
public enum Activation {
  /** {@code y = x}. */
  IDENTITY {
    @Override
    public float apply(float x) {
      return x;
    }

    @Override
    public float derivative(float x, float y) {
      return 1f;
    }
  },
  /** {@code y = max(0, x)}. */
  RELU {
    @Override
    public float apply(float x) {
      return x > 0f ? x : 0f;
    }

    @Override
    public float derivative(float x, float y) {
      return x > 0f ? 1f : 0f;
    }
  },
  /** {@code y = x} for {@code x > 0}, else {@code 0.01 x}. */
  LEAKY_RELU {
    @Override
    public float apply(float x) {
      return x > 0f ? x : LEAKY_SLOPE * x;
    }

    @Override
    public float derivative(float x, float y) {
      return x > 0f ? 1f : LEAKY_SLOPE;
    }
  },
  /** {@code y = x} for {@code x > 0}, else {@code exp(x) - 1}. */
  ELU {
    @Override
    public float apply(float x) {
      return x > 0f ? x : (float) Math.expm1(x);
    }

    @Override
    public float derivative(float x, float y) {
      return x > 0f ? 1f : y + 1f;
    }
  },
  /** {@code y = tanh(x)}. */
  TANH {
    @Override
    public float apply(float x) {
      return (float) Math.tanh(x);
    }

    @Override
    public float derivative(float x, float y) {
      return 1f - y * y;
    }
  },
  /** {@code y = 1 / (1 + exp(-x))}. */
  SIGMOID {
    @Override
    public float apply(float x) {
      return (float) StableMath.sigmoid(x);
    }

    @Override
    public float derivative(float x, float y) {
      return y * (1f - y);
    }
  },
  /** {@code y = log(1 + exp(x))}, computed without overflow. */
  SOFTPLUS {
    @Override
    public float apply(float x) {
      return (float) StableMath.softplus(x);
    }

    @Override
    public float derivative(float x, float y) {
      return (float) StableMath.sigmoid(x);
    }
  },
  /**
   * LipSwish {@code y = x sigmoid(x) / 1.1}, 1-Lipschitz (Chen et al. 2019, Residual Flows for
   * Invertible Generative Modeling).
   */
  LIPSWISH {
    @Override
    public float apply(float x) {
      return (float) (x * StableMath.sigmoid(x) / LIPSWISH_SCALE);
    }

    @Override
    public float derivative(float x, float y) {
      double s = StableMath.sigmoid(x);
      return (float) ((s + x * s * (1 - s)) / LIPSWISH_SCALE);
    }
  };

  /** Negative-side slope of {@link #LEAKY_RELU}. */
  public static final float LEAKY_SLOPE = 0.01f;

  /** Divisor that makes swish 1-Lipschitz in {@link #LIPSWISH}. */
  public static final double LIPSWISH_SCALE = 1.1;

  /** The activation of one value. */
  public abstract float apply(float x);

  /** {@code dy/dx} at input {@code x} with output {@code y = apply(x)}. */
  public abstract float derivative(float x, float y);
}
