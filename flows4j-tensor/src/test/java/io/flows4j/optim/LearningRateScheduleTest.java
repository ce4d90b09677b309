package io.flows4j.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.autodiff.Parameter;
import io.flows4j.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {
  /** The schedules are evaluated in double; values here are exact to a few ulps. */
  private static final double TOL = 1e-15;

  @Test
  void constant() {
    ConstantSchedule s = new ConstantSchedule(3e-4);
    assertThat(s.at(0)).isEqualTo(3e-4);
    assertThat(s.at(1_000_000)).isEqualTo(3e-4);
  }

  @Test
  void cosineAtKnownSteps() {
    CosineSchedule s = new CosineSchedule(1.0, 0.0, 100);
    assertThat(s.at(0)).isEqualTo(1.0);
    assertThat(s.at(25)).isCloseTo((1 + Math.sqrt(0.5)) / 2, within(TOL));
    assertThat(s.at(50)).isCloseTo(0.5, within(TOL));
    assertThat(s.at(75)).isCloseTo((1 - Math.sqrt(0.5)) / 2, within(TOL));
    assertThat(s.at(100)).isEqualTo(0.0);
    assertThat(s.at(250)).isEqualTo(0.0);
  }

  @Test
  void cosineToAMinimum() {
    CosineSchedule s = new CosineSchedule(1e-3, 1e-5, 10);
    assertThat(s.at(5)).isCloseTo(1e-5 + (1e-3 - 1e-5) / 2, within(TOL));
    assertThat(s.at(10)).isEqualTo(1e-5);
  }

  @Test
  void warmupThenConstant() {
    WarmupSchedule s = new WarmupSchedule(4, new ConstantSchedule(0.1));
    assertThat(s.at(0)).isCloseTo(0.025, within(TOL));
    assertThat(s.at(1)).isCloseTo(0.05, within(TOL));
    assertThat(s.at(3)).isCloseTo(0.1, within(TOL));
    assertThat(s.at(4)).isEqualTo(0.1);
    assertThat(s.at(400)).isEqualTo(0.1);
  }

  @Test
  void warmupThenCosineStartsTheCosineAfterTheWarmup() {
    WarmupSchedule s = new WarmupSchedule(10, new CosineSchedule(1.0, 0.0, 100));
    assertThat(s.at(4)).isCloseTo(0.5, within(TOL));
    assertThat(s.at(9)).isEqualTo(1.0);
    assertThat(s.at(10)).isEqualTo(1.0);
    assertThat(s.at(60)).isCloseTo(0.5, within(TOL));
    assertThat(s.at(110)).isEqualTo(0.0);
  }

  @Test
  void stepDecay() {
    StepDecaySchedule s = new StepDecaySchedule(1.0, 10, 0.5);
    assertThat(s.at(0)).isEqualTo(1.0);
    assertThat(s.at(9)).isEqualTo(1.0);
    assertThat(s.at(10)).isEqualTo(0.5);
    assertThat(s.at(25)).isEqualTo(0.25);
    assertThat(s.at(30)).isEqualTo(0.125);
  }

  @Test
  void refusesBadArguments() {
    assertThatThrownBy(() -> new ConstantSchedule(0))
        .hasMessage("ConstantSchedule: learning rate must be finite and > 0, but was 0.0");
    assertThatThrownBy(() -> new CosineSchedule(1e-3, 2e-3, 10))
        .hasMessage("CosineSchedule: minimum must be in [0, 0.001], but was 0.002");
    assertThatThrownBy(() -> new CosineSchedule(1e-3, 0, 0))
        .hasMessage("CosineSchedule: steps must be >= 1, but was 0");
    assertThatThrownBy(() -> new CosineSchedule(Double.NaN, 0, 5))
        .hasMessage("CosineSchedule: initial must be finite and > 0, but was NaN");
    assertThatThrownBy(() -> new WarmupSchedule(0, new ConstantSchedule(1)))
        .hasMessage("WarmupSchedule: steps must be >= 1, but was 0");
    assertThatThrownBy(() -> new WarmupSchedule(3, null))
        .hasMessage("WarmupSchedule: then must not be null");
    assertThatThrownBy(() -> new StepDecaySchedule(1, 0, 0.5))
        .hasMessage("StepDecaySchedule: every must be >= 1, but was 0");
    assertThatThrownBy(() -> new StepDecaySchedule(1, 5, 1.5))
        .hasMessage("StepDecaySchedule: gamma must be in (0, 1], but was 1.5");
    assertThatThrownBy(() -> new ConstantSchedule(1).at(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ConstantSchedule.at: step must be >= 0, but was -1");
  }

  @Test
  void optimizerTakesEachStepsRateFromTheSchedule() {
    // Plain SGD with g = 1 moves the parameter by exactly the scheduled rate at every step.
    Parameter w = new Parameter("w", Tensor.of(new float[] {0f}, 1));
    Sgd sgd = new Sgd(List.of(w), 1.0);
    w.grad().setFlat(0, 1f);
    sgd.setSchedule(new WarmupSchedule(2, new StepDecaySchedule(0.5, 1, 0.5)));
    double[] expected = {0.25, 0.5, 0.5, 0.25, 0.125};
    double position = 0;
    for (double lr : expected) {
      assertThat(sgd.learningRate()).isEqualTo(lr);
      sgd.step();
      position -= lr;
      assertThat((double) w.value().getFlat(0)).isEqualTo(position);
    }
    sgd.setLearningRate(0.75);
    assertThat(sgd.schedule()).isNull();
    assertThat(sgd.learningRate()).isEqualTo(0.75);
  }

  @Test
  void optimizerRefusesANegativeScheduledRate() {
    Parameter w = new Parameter("w", Tensor.of(new float[] {0f}, 1));
    Sgd sgd = new Sgd(List.of(w), 1.0);
    sgd.setSchedule(step -> -1.0);
    assertThatThrownBy(sgd::step)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "Sgd.step: the schedule's learning rate must be finite and >= 0, but was -1.0 at step"
                + " 0");
    assertThat(sgd.stepCount()).isZero();
  }
}
