/**
 * Training of the Glow-TTS model on the speech kit's corpus: the training split, length-bucketed
 * batches, Adam with warm-up, gradient-value clipping, validation on held-out utterances, and
 * atomic checkpoints from which a run resumes exactly.
 */
package io.flows4j.speech.train;
