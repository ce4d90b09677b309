package io.flows4j.vi;

import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import java.util.OptionalDouble;

/** A {@link Target} given by a function, with the shape checks every target needs. */
final class FormulaTarget implements Target {
  private final String name;
  private final int dimension;
  private final OptionalDouble logNormalizer;
  private final String description;
  private final LogDensity function;

  FormulaTarget(
      String name,
      int dimension,
      OptionalDouble logNormalizer,
      String description,
      LogDensity function) {
    Checks.requireArgument(
        name != null && !name.isBlank(), "Target: name must not be blank, but was '%s'", name);
    Checks.requirePositive(dimension, "Target " + name, "dimension");
    Checks.requireArgument(function != null, "Target %s: log-density must not be null", name);
    Checks.requireArgument(
        logNormalizer.isEmpty() || Double.isFinite(logNormalizer.getAsDouble()),
        "Target %s: log Z must be finite, but was %s",
        name,
        logNormalizer);
    this.name = name;
    this.dimension = dimension;
    this.logNormalizer = logNormalizer;
    this.description = description == null ? name : description;
    this.function = function;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int dimension() {
    return dimension;
  }

  @Override
  public Var logDensity(Var x) {
    String op = "Target " + name + ".logDensity";
    Checks.requireShape(
        x.shape().rank() == 2 && x.shape().dim(1) == dimension,
        "%s: x must have shape [batch, %d], but was %s",
        op,
        dimension,
        x.shape());
    Var y = function.apply(x);
    Shape expected = Shape.of(x.shape().dim(0));
    Checks.requireShape(
        y.shape().equals(expected),
        "%s: the log-density must have shape %s, but was %s",
        op,
        expected,
        y.shape());
    return y;
  }

  @Override
  public OptionalDouble logNormalizer() {
    return logNormalizer;
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public String toString() {
    return "Target " + name + " (D = " + dimension + ")";
  }
}
