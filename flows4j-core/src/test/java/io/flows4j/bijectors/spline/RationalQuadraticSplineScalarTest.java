package io.flows4j.bijectors.spline;

/** {@link RationalQuadraticSplineTest}'s tests on the scalar path (no {@link VectorSpline}). */
class RationalQuadraticSplineScalarTest extends RationalQuadraticSplineTest {
  @Override
  RationalQuadraticSpline create() {
    return new RationalQuadraticSpline(BINS, BOUND).scalarPath();
  }
}
