/**
 * The speech corpus of the kit ({@code ../shared/speech/make_corpus.sh}): utterances with their
 * phones and log-mel frames, the train/test split by id, length-bucketed batches, phone alignments
 * in the {@code .lab} format and the boundary-accuracy measure.
 */
package io.flows4j.speech.corpus;
