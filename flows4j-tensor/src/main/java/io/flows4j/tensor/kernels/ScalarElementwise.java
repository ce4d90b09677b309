package io.flows4j.tensor.kernels;

import io.flows4j.tensor.StableMath;

/**
 * Plain-Java elementwise kernels: the fallback when the Vector API is absent, and the base of the
 * vector implementation, which overrides only what it speeds up. Activation loops switch on the
 * activation once, outside the loop, so each loop body is monomorphic.
 */
class ScalarElementwise implements Elementwise {

  @Override
  public String name() {
    return "scalar";
  }

  @Override
  public void exp(float[] x, int xOff, float[] y, int yOff, int n) {
    for (int i = 0; i < n; i++) {
      y[yOff + i] = (float) Math.exp(x[xOff + i]);
    }
  }

  @Override
  public void log(float[] x, int xOff, float[] y, int yOff, int n) {
    for (int i = 0; i < n; i++) {
      y[yOff + i] = (float) Math.log(x[xOff + i]);
    }
  }

  @Override
  public void activation(Activation f, float[] x, int xOff, float[] y, int yOff, int n) {
    switch (f) {
      case IDENTITY -> System.arraycopy(x, xOff, y, yOff, n);
      case RELU -> {
        for (int i = 0; i < n; i++) {
          float v = x[xOff + i];
          y[yOff + i] = v > 0f ? v : 0f;
        }
      }
      case LEAKY_RELU -> {
        for (int i = 0; i < n; i++) {
          float v = x[xOff + i];
          y[yOff + i] = v > 0f ? v : Activation.LEAKY_SLOPE * v;
        }
      }
      case ELU -> {
        for (int i = 0; i < n; i++) {
          float v = x[xOff + i];
          y[yOff + i] = v > 0f ? v : (float) Math.expm1(v);
        }
      }
      case TANH -> {
        for (int i = 0; i < n; i++) {
          y[yOff + i] = (float) Math.tanh(x[xOff + i]);
        }
      }
      case SIGMOID -> {
        for (int i = 0; i < n; i++) {
          y[yOff + i] = (float) StableMath.sigmoid(x[xOff + i]);
        }
      }
      case SOFTPLUS -> {
        for (int i = 0; i < n; i++) {
          y[yOff + i] = (float) StableMath.softplus(x[xOff + i]);
        }
      }
      case LIPSWISH -> {
        for (int i = 0; i < n; i++) {
          double v = x[xOff + i];
          y[yOff + i] = (float) (v * StableMath.sigmoid(v) / Activation.LIPSWISH_SCALE);
        }
      }
    }
  }

  @Override
  public void activationBackward(
      Activation f,
      float[] x,
      int xOff,
      float[] y,
      int yOff,
      float[] gradOut,
      int gOff,
      float[] gradIn,
      int giOff,
      int n) {
    switch (f) {
      case IDENTITY -> add(gradIn, giOff, gradOut, gOff, gradIn, giOff, n);
      case RELU -> {
        for (int i = 0; i < n; i++) {
          if (x[xOff + i] > 0f) {
            gradIn[giOff + i] += gradOut[gOff + i];
          }
        }
      }
      case LEAKY_RELU -> {
        for (int i = 0; i < n; i++) {
          float d = x[xOff + i] > 0f ? 1f : Activation.LEAKY_SLOPE;
          gradIn[giOff + i] += gradOut[gOff + i] * d;
        }
      }
      case ELU -> {
        for (int i = 0; i < n; i++) {
          float d = x[xOff + i] > 0f ? 1f : y[yOff + i] + 1f;
          gradIn[giOff + i] += gradOut[gOff + i] * d;
        }
      }
      case TANH -> {
        for (int i = 0; i < n; i++) {
          float t = y[yOff + i];
          gradIn[giOff + i] += gradOut[gOff + i] * (1f - t * t);
        }
      }
      case SIGMOID -> {
        for (int i = 0; i < n; i++) {
          float s = y[yOff + i];
          gradIn[giOff + i] += gradOut[gOff + i] * (s * (1f - s));
        }
      }
      case SOFTPLUS -> {
        for (int i = 0; i < n; i++) {
          gradIn[giOff + i] += gradOut[gOff + i] * (float) StableMath.sigmoid(x[xOff + i]);
        }
      }
      case LIPSWISH -> {
        for (int i = 0; i < n; i++) {
          double v = x[xOff + i];
          double s = StableMath.sigmoid(v);
          double d = (s + v * s * (1 - s)) / Activation.LIPSWISH_SCALE;
          gradIn[giOff + i] += (float) (gradOut[gOff + i] * d);
        }
      }
    }
  }

  @Override
  public void expBackward(
      float[] y, int yOff, float[] gradOut, int gOff, float[] gradIn, int giOff, int n) {
    mulAdd(gradOut, gOff, y, yOff, gradIn, giOff, n);
  }

  @Override
  public void logBackward(
      float[] x, int xOff, float[] gradOut, int gOff, float[] gradIn, int giOff, int n) {
    for (int i = 0; i < n; i++) {
      gradIn[giOff + i] += gradOut[gOff + i] / x[xOff + i];
    }
  }

  @Override
  public void add(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int n) {
    for (int i = 0; i < n; i++) {
      c[cOff + i] = a[aOff + i] + b[bOff + i];
    }
  }

  @Override
  public void sub(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int n) {
    for (int i = 0; i < n; i++) {
      c[cOff + i] = a[aOff + i] - b[bOff + i];
    }
  }

  @Override
  public void mul(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int n) {
    for (int i = 0; i < n; i++) {
      c[cOff + i] = a[aOff + i] * b[bOff + i];
    }
  }

  @Override
  public void div(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int n) {
    for (int i = 0; i < n; i++) {
      c[cOff + i] = a[aOff + i] / b[bOff + i];
    }
  }

  @Override
  public void mulAdd(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int n) {
    for (int i = 0; i < n; i++) {
      c[cOff + i] = Math.fma(a[aOff + i], b[bOff + i], c[cOff + i]);
    }
  }

  @Override
  public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
    for (int i = 0; i < n; i++) {
      y[yOff + i] = Math.fma(alpha, x[xOff + i], y[yOff + i]);
    }
  }

  @Override
  public void scaleShift(float[] x, int xOff, float alpha, float beta, float[] y, int yOff, int n) {
    for (int i = 0; i < n; i++) {
      y[yOff + i] = Math.fma(alpha, x[xOff + i], beta);
    }
  }

  @Override
  public double sum(float[] x, int xOff, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += x[xOff + i];
    }
    return s;
  }

  @Override
  public double sumOfSquares(float[] x, int xOff, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) {
      double v = x[xOff + i];
      s += v * v;
    }
    return s;
  }

  @Override
  public double dot(float[] a, int aOff, float[] b, int bOff, int n) {
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += (double) a[aOff + i] * b[bOff + i];
    }
    return s;
  }

  @Override
  public float max(float[] x, int xOff, int n) {
    float m = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      m = Math.max(m, x[xOff + i]);
    }
    return m;
  }

  @Override
  public void logSumExp(
      float[] x, int xOff, int outer, int length, int inner, float[] y, int yOff) {
    for (int o = 0; o < outer; o++) {
      for (int i = 0; i < inner; i++) {
        int base = xOff + o * length * inner + i;
        y[yOff + o * inner + i] = (float) StableMath.logSumExp(x, base, length, inner);
      }
    }
  }

  @Override
  public void logSumExpBackward(
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
      int giOff) {
    for (int o = 0; o < outer; o++) {
      for (int i = 0; i < inner; i++) {
        double g = gradOut[gOff + o * inner + i];
        double l = y[yOff + o * inner + i];
        int base = o * length * inner + i;
        for (int k = 0; k < length; k++) {
          int at = base + k * inner;
          gradIn[giOff + at] += (float) (g * Math.exp(x[xOff + at] - l));
        }
      }
    }
  }

  @Override
  public void softmax(float[] x, int xOff, int outer, int length, int inner, float[] y, int yOff) {
    for (int o = 0; o < outer; o++) {
      for (int i = 0; i < inner; i++) {
        int base = o * length * inner + i;
        double m = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < length; k++) {
          m = Math.max(m, x[xOff + base + k * inner]);
        }
        double s = 0;
        for (int k = 0; k < length; k++) {
          double e = Math.exp(x[xOff + base + k * inner] - m);
          y[yOff + base + k * inner] = (float) e;
          s += e;
        }
        double inv = 1.0 / s;
        for (int k = 0; k < length; k++) {
          int at = yOff + base + k * inner;
          y[at] = (float) (y[at] * inv);
        }
      }
    }
  }

  @Override
  public void logSoftmax(
      float[] x, int xOff, int outer, int length, int inner, float[] y, int yOff) {
    for (int o = 0; o < outer; o++) {
      for (int i = 0; i < inner; i++) {
        int base = o * length * inner + i;
        double l = StableMath.logSumExp(x, xOff + base, length, inner);
        for (int k = 0; k < length; k++) {
          y[yOff + base + k * inner] = (float) (x[xOff + base + k * inner] - l);
        }
      }
    }
  }

  @Override
  public void softmaxBackward(
      float[] y,
      int yOff,
      float[] gradOut,
      int gOff,
      int outer,
      int length,
      int inner,
      float[] gradIn,
      int giOff) {
    for (int o = 0; o < outer; o++) {
      for (int i = 0; i < inner; i++) {
        int base = o * length * inner + i;
        double dot = 0;
        for (int k = 0; k < length; k++) {
          int at = base + k * inner;
          dot += (double) gradOut[gOff + at] * y[yOff + at];
        }
        for (int k = 0; k < length; k++) {
          int at = base + k * inner;
          gradIn[giOff + at] += (float) (y[yOff + at] * (gradOut[gOff + at] - dot));
        }
      }
    }
  }

  @Override
  public void logSoftmaxBackward(
      float[] y,
      int yOff,
      float[] gradOut,
      int gOff,
      int outer,
      int length,
      int inner,
      float[] gradIn,
      int giOff) {
    for (int o = 0; o < outer; o++) {
      for (int i = 0; i < inner; i++) {
        int base = o * length * inner + i;
        double sum = 0;
        for (int k = 0; k < length; k++) {
          sum += gradOut[gOff + base + k * inner];
        }
        for (int k = 0; k < length; k++) {
          int at = base + k * inner;
          gradIn[giOff + at] += (float) (gradOut[gOff + at] - Math.exp(y[yOff + at]) * sum);
        }
      }
    }
  }
}
