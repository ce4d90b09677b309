package io.flows4j.bijectors.image;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.MathOps;
import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.ShapeOps;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorRegistry;
import io.flows4j.bijectors.Spec;
import io.flows4j.bijectors.Transformed;
import io.flows4j.io.Json;
import io.flows4j.nn.Conv2d;
import io.flows4j.nn.Module;

/**
 * A small channel-affine coupling for testing the multi-scale machinery before the real image
 * layers exist, built from composed ops (slow, but its gradients are the autodiff's): the first
 * half of the channels conditions the second through one 3x3 convolution, {@code y2 = x2
 * exp(tanh(a)) + b}, {@code (a, b) = conv(x1)}.
 */
public final class TestCoupling extends Module implements Bijector {
  static final String TYPE = "test-channel-coupling";

  static {
    BijectorRegistry.register(TYPE, s -> new TestCoupling(s.getInt("channels"), s.getLong("seed")));
  }

  private final int channels;
  private final long seed;
  private final Conv2d net;

  public TestCoupling(int channels, long seed) {
    this.channels = channels;
    this.seed = seed;
    this.net = registerModule("net", new Conv2d(channels / 2, channels, 3, 1, true, seed));
  }

  @Override
  public Transformed forward(Var x) {
    int half = channels / 2;
    Var[] p = ShapeOps.split(x, 1, half, half);
    Var[] st = ShapeOps.split(net.forward(p[0]), 1, half, half);
    Var s = MathOps.tanh(st[0]);
    Var y2 = ArithmeticOps.add(ArithmeticOps.mul(p[1], MathOps.exp(s)), st[1]);
    return new Transformed(ShapeOps.concat(1, p[0], y2), Reductions.sumRows(s));
  }

  @Override
  public Transformed inverse(Var z) {
    int half = channels / 2;
    Var[] p = ShapeOps.split(z, 1, half, half);
    Var[] st = ShapeOps.split(net.forward(p[0]), 1, half, half);
    Var s = MathOps.tanh(st[0]);
    Var x2 = ArithmeticOps.mul(ArithmeticOps.sub(p[1], st[1]), MathOps.exp(ArithmeticOps.neg(s)));
    return new Transformed(ShapeOps.concat(1, p[0], x2), ArithmeticOps.neg(Reductions.sumRows(s)));
  }

  @Override
  public Json.Obj spec() {
    return Spec.of(TYPE).put("channels", channels).put("seed", seed).build();
  }
}
