package io.flows4j.speech.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextFrontEndTest {
  private static final TextFrontEnd FRONT_END = TextFrontEnd.withShippedLexicon();

  @TempDir Path dir;

  /** kjv00001 of the corpus: festival's phones exactly. */
  @Test
  void reproducesACorpusSentence() {
    assertThat(String.join(" ", FRONT_END.phonemes("He sat down by a well.")))
        .isEqualTo("pau hh iy s ae t d aw n b ay ax w eh l pau");
    assertThat(FRONT_END.tokens("He sat down by a well.")).hasSize(2 * 16 + 1);
  }

  @Test
  void theShippedLexiconIsComplete() {
    assertThat(Lexicon.shipped().size()).isGreaterThan(100_000);
    assertThat(Lexicon.shipped().lookup("the")).contains(List.of("dh", "ax"));
    assertThat(Lexicon.shipped().lookup("don't")).contains(List.of("d", "ow", "n", "t"));
  }

  @Test
  void punctuationGivesOnePauseAndQuotesAreDropped() {
    assertThat(FRONT_END.phonemes("\u201cWell,\u201d he said; \u2018yes.\u2019"))
        .containsExactly(
            "pau", "w", "eh", "l", "pau", "hh", "iy", "s", "eh", "d", "pau", "y", "eh", "s", "pau");
  }

  @Test
  void numbersBecomeWords() {
    assertThat(TextFrontEnd.words("1984 1905 1900 2005 2024"))
        .containsExactly(
            "nineteen",
            "eighty",
            "four",
            "nineteen",
            "oh",
            "five",
            "nineteen",
            "hundred",
            "two",
            "thousand",
            "five",
            "twenty",
            "twenty",
            "four");
    assertThat(TextFrontEnd.words("1,204 people"))
        .containsExactly("one", "thousand", "two", "hundred", "four", "people");
    assertThat(TextFrontEnd.words("12 3000000 0"))
        .containsExactly("twelve", "three", "million", "zero");
    assertThat(TextFrontEnd.words("the 21st and 3rd, 12th"))
        .containsExactly("the", "twenty", "first", "and", "third", "pau", "twelfth");
    assertThat(TextFrontEnd.words("-3.25 50% $1 $20 5-10"))
        .containsExactly(
            "minus", "three", "point", "two", "five", "fifty", "percent", "one", "dollar", "twenty",
            "dollars", "five", "ten");
    assertThat(FRONT_END.phonemes("Chapter 7")).endsWith("s", "eh", "v", "ax", "n", "pau");
  }

  @Test
  void regularEndingsOfListedWordsAreFound() {
    // "porters" and "neighbour" are not in the lexicon; "porter" and "neighbor" are
    assertThat(FRONT_END.phonemes("porters"))
        .containsExactly("pau", "p", "ao", "r", "t", "er", "z", "pau");
    assertThat(FRONT_END.phonemes("neighbour")).containsExactly("pau", "n", "ey", "b", "er", "pau");
    assertThat(FRONT_END.phonemes("Moses' hands")).startsWith("pau", "m", "ow");
  }

  @Test
  void unknownWordsAndEmptyTextAreNamed() {
    assertThatThrownBy(() -> FRONT_END.phonemes("He sat by the xyzzyq."))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("text: unknown word 'xyzzyq' (not in the lexicon)");
    assertThatThrownBy(() -> FRONT_END.phonemes(" ... ?"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("text: the input is empty (no words to speak)");
  }

  @Test
  void aLexiconFileOverridesTheShippedOne() throws IOException {
    Path f = dir.resolve("my.dict");
    Files.writeString(f, "# mine\nHELLO  HH AH0 L OW1\nhello(2) hh eh l ow\nworld w er l d\n");
    TextFrontEnd fe = TextFrontEnd.withLexicon(f);
    assertThat(fe.phonemes("Hello, world!"))
        .containsExactly("pau", "hh", "ah", "l", "ow", "pau", "w", "er", "l", "d", "pau");
    assertThatThrownBy(() -> fe.phonemes("the")).hasMessageStartingWith("text: unknown word 'the'");
  }

  @Test
  void badLexiconFilesAreRefusedWithFileAndLine() throws IOException {
    Path f = dir.resolve("bad.dict");
    Files.writeString(f, "hello hh ah l ow\nworld w q l d\n");
    assertThatThrownBy(() -> Lexicon.read(f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            f + ":2: unknown phone 'q' in the entry for 'world'; valid phones:");
    Files.writeString(f, "lonely\n");
    assertThatThrownBy(() -> Lexicon.read(f))
        .hasMessage(f + ":1: expected a word and its phones, but was 'lonely'");
    Path missing = dir.resolve("none.dict");
    assertThatThrownBy(() -> Lexicon.read(missing))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessage(missing + ": cannot read (no such file)");
  }
}
