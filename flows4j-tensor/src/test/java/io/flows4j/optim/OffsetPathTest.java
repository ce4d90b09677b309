package io.flows4j.optim;

import static io.flows4j.optim.OptimTesting.randomGradient;
import static io.flows4j.optim.OptimTesting.randomParameter;
import static org.assertj.core.api.Assertions.assertThat;

import io.flows4j.autodiff.Parameter;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The optimizers have a loop for tensors at offset 0 (vectorized by the JIT) and one for views at
 * other offsets; both must compute the same bits (Java does not contract a * b + c into an FMA).
 */
class OffsetPathTest {

  static Stream<Arguments> optimizers() {
    return Stream.of(
        Arguments.of("Adam", (Function<List<Parameter>, Optimizer>) ps -> new Adam(ps, 1e-2)),
        Arguments.of(
            "Adam L2",
            (Function<List<Parameter>, Optimizer>)
                ps -> new Adam(ps, AdamConfig.of(1e-2).withWeightDecay(0.1))),
        Arguments.of(
            "AdamW",
            (Function<List<Parameter>, Optimizer>)
                ps -> new AdamW(ps, AdamConfig.of(1e-2).withWeightDecay(0.1))),
        Arguments.of("Sgd", (Function<List<Parameter>, Optimizer>) ps -> new Sgd(ps, 0.1)),
        Arguments.of(
            "Sgd momentum L2",
            (Function<List<Parameter>, Optimizer>)
                ps -> new Sgd(ps, SgdConfig.of(0.1).withMomentum(0.9).withWeightDecay(0.01))),
        Arguments.of(
            "Sgd nesterov",
            (Function<List<Parameter>, Optimizer>)
                ps -> new Sgd(ps, SgdConfig.of(0.1).withNesterov(0.9))));
  }

  @ParameterizedTest(name = "{0}, seed 41")
  @MethodSource("optimizers")
  void viewsAndPlainTensorsGiveTheSameBits(String name, Function<List<Parameter>, Optimizer> make) {
    Random rng = new Random(41);
    int n = 1000;
    Parameter plain = randomParameter("w", rng, n);
    float[] backing = new float[n + 7];
    Tensor view = Tensor.wrap(backing, 7, Shape.of(n)).copyFrom(plain.value());
    Parameter offset = new Parameter("w", view);
    Optimizer a = make.apply(List.of(plain));
    Optimizer b = make.apply(List.of(offset));
    for (int s = 0; s < 5; s++) {
      randomGradient(plain, rng);
      offset.grad().copyFrom(plain.grad());
      a.step();
      b.step();
    }
    assertThat(offset.value().toArray()).containsExactly(plain.value().toArray());
  }
}
