/**
 * The speech model's text front end: the voice's phone set with blanks ({@link
 * io.flows4j.speech.text.PhoneSet}), the shipped CMU-dictionary lexicon ({@link
 * io.flows4j.speech.text.Lexicon}) and English text normalisation to phones ({@link
 * io.flows4j.speech.text.TextFrontEnd}).
 */
package io.flows4j.speech.text;
