package io.flows4j.speech.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PhoneSetTest {
  @Test
  void hasTheKitsFortyOnePhonesAndABlank() {
    assertThat(PhoneSet.PHONES).hasSize(41).doesNotHaveDuplicates().endsWith("pau");
    assertThat(PhoneSet.SYMBOLS).isEqualTo(42);
    assertThat(PhoneSet.id("aa")).isEqualTo(1);
    assertThat(PhoneSet.id("pau")).isEqualTo(41);
    assertThat(PhoneSet.phone(40)).isEqualTo("zh");
  }

  @Test
  void interleavesBlanks() {
    int[] t = PhoneSet.withBlanks(List.of("pau", "hh", "iy", "pau"));
    assertThat(t).containsExactly(0, 41, 0, PhoneSet.id("hh"), 0, PhoneSet.id("iy"), 0, 41, 0);
  }

  @Test
  void parsesPhonemesAndAddsPausesAtTheEnds() {
    assertThat(PhoneSet.parse(" HH iy  s ae t "))
        .containsExactly("pau", "hh", "iy", "s", "ae", "t", "pau");
    assertThat(PhoneSet.parse("pau hh iy pau")).containsExactly("pau", "hh", "iy", "pau");
    assertThat(TextFrontEnd.tokensOfPhonemes("hh")).hasSize(7);
  }

  @Test
  void namesAnUnknownPhoneAndListsTheValidOnes() {
    assertThatThrownBy(() -> PhoneSet.parse("hh q iy"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("phonemes: unknown phone 'q'; valid phones: aa ae ah")
        .hasMessageEndingWith("z zh pau");
    assertThatThrownBy(() -> PhoneSet.parse("  "))
        .hasMessageStartingWith("phonemes: the input is empty");
    assertThatThrownBy(() -> PhoneSet.phone(42))
        .hasMessage("PhoneSet.phone: id must be in 1..41, but was 42");
  }
}
