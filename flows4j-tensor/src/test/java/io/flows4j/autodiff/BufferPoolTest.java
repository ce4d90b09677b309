package io.flows4j.autodiff;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class BufferPoolTest {
  @Test
  @DisplayName("returned arrays are reused by length")
  void reuses() {
    BufferPool p = new BufferPool(1000);
    float[] a = p.take(10);
    p.give(a);
    assertThat(p.held()).isEqualTo(10);
    assertThat(p.take(10)).isSameAs(a);
    assertThat(p.held()).isZero();
    assertThat(p.take(10)).isNotSameAs(a);
  }

  @Test
  @DisplayName("shapes that change every step stay within the capacity, least recent dropped")
  void boundedUnderChangingShapes() {
    BufferPool p = new BufferPool(1000);
    float[] last = null;
    for (int step = 0; step < 500; step++) {
      // One "step": three arrays of lengths that never repeat across steps.
      float[] x = p.take(100 + step);
      float[] y = p.take(200 + step);
      float[] z = p.take(50);
      p.give(x);
      p.give(y);
      p.give(z);
      last = z;
      assertThat(p.held()).isLessThanOrEqualTo(p.capacity());
    }
    // The length used every step was kept; the oldest one-off lengths were dropped.
    assertThat(p.take(50)).isSameAs(last);
  }

  @Test
  @DisplayName("an array larger than the capacity is not kept")
  void hugeArraysAreDropped() {
    BufferPool p = new BufferPool(100);
    p.give(new float[101]);
    assertThat(p.held()).isZero();
  }
}
