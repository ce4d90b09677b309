package io.flows4j.speech.model;

/**
 * A module that draws dropout masks from its own random stream; the stream can be restarted from a
 * seed so that the masks of a training step depend only on that seed (a resumed run then draws the
 * masks the uninterrupted run would have drawn).
 */
interface DropoutSource {
  /** Restarts the dropout stream from {@code seed}. */
  void reseedDropout(long seed);
}
