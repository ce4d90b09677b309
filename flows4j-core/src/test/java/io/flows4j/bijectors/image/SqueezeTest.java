package io.flows4j.bijectors.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.autodiff.GradCheck;
import io.flows4j.autodiff.Tape;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class SqueezeTest extends BijectorContractTest {
  @Override
  protected Bijector create(long seed) {
    return new Squeeze();
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(2, 4, 6);
  }

  @Override
  protected Shape latentEventShape() {
    return Shape.of(8, 2, 3);
  }

  /** The unsqueeze, seen as a bijector of its own. */
  @Nested
  class UnsqueezeTest extends BijectorContractTest {
    @Override
    protected Bijector create(long seed) {
      return new Squeeze().inverted();
    }

    @Override
    protected Shape eventShape() {
      return Shape.of(8, 2, 3);
    }

    @Override
    protected Shape latentEventShape() {
      return Shape.of(2, 4, 6);
    }
  }

  @Test
  @DisplayName("forward moves x[b, c, 2y+i, 2x+j] to z[b, 4c+2i+j, y, x] (naive loops, seed 5)")
  void matchesNaiveIndexing() {
    Tensor x = new Rng(5).fillNormal(Tensor.zeros(3, 2, 4, 6), 0, 1);
    Tensor z;
    try (Tape t = Tape.noGrad()) {
      z = new Squeeze().forward(t.input(x)).value().value().copy();
    }
    assertThat(z.shape()).isEqualTo(Shape.of(3, 8, 2, 3));
    for (int b = 0; b < 3; b++) {
      for (int c = 0; c < 2; c++) {
        for (int yy = 0; yy < 4; yy++) {
          for (int xx = 0; xx < 6; xx++) {
            int i = yy % 2;
            int j = xx % 2;
            assertThat(z.get(b, 4 * c + 2 * i + j, yy / 2, xx / 2))
                .as("b %d c %d y %d x %d", b, c, yy, xx)
                .isEqualTo(x.get(b, c, yy, xx));
          }
        }
      }
    }
  }

  @Test
  @DisplayName("odd height or width is refused, naming the shape")
  void oddSizesRefused() {
    assertThatThrownBy(
            () -> {
              try (Tape t = Tape.noGrad()) {
                new Squeeze().forward(t.input(Tensor.zeros(2, 1, 5, 4)));
              }
            })
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessageContaining("even H and W")
        .hasMessageContaining("[2, 1, 5, 4]");
    assertThatThrownBy(() -> new Squeeze().forwardEventShape(Shape.of(1, 4, 3)))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessageContaining("[1, 4, 3]");
    assertThatThrownBy(
            () -> {
              try (Tape t = Tape.noGrad()) {
                new Squeeze().inverse(t.input(Tensor.zeros(2, 6, 2, 2)));
              }
            })
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessageContaining("divisible by 4");
  }

  @Test
  @DisplayName("event shapes: [C, H, W] -> [4C, H/2, W/2] and back")
  void eventShapes() {
    assertThat(new Squeeze().forwardEventShape(Shape.of(1, 28, 28))).isEqualTo(Shape.of(4, 14, 14));
    assertThat(Squeeze.unsqueeze().forwardEventShape(Shape.of(4, 14, 14)))
        .isEqualTo(Shape.of(1, 28, 28));
    assertThat(new Squeeze().inverted().inverted()).isInstanceOf(Squeeze.class);
    assertThat(((Squeeze) new Squeeze().inverted()).isUnsqueeze()).isTrue();
  }

  @Test
  @DisplayName("gradients of squeeze and unsqueeze match finite differences (seed 11)")
  void gradients() {
    GradCheck.check(
        v -> new Squeeze().forward(v[0]).value(),
        11,
        new Rng(11).fillNormal(Tensor.zeros(2, 1, 4, 2), 0, 1));
    GradCheck.check(
        v -> Squeeze.unsqueeze().forward(v[0]).value(),
        12,
        new Rng(12).fillNormal(Tensor.zeros(2, 4, 1, 2), 0, 1));
  }
}
