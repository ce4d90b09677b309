package io.flows4j.speech.text;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The voice's input symbols: festival's 40 US English phones and {@code pau} (41 phones), plus a
 * blank token interleaved between them (Glow-TTS's "add blank"): 42 token ids.
 *
 * <p>Ids: {@link #BLANK} = 0, then the phones in the kit's order {@code aa = 1, ae = 2, …, zh = 40,
 * pau = 41}. n phones become 2n + 1 tokens {@code [0, p_1, 0, p_2, …, 0, p_n, 0]}.
 */
public final class PhoneSet {
  /** The 41 phones in id order (id = index + 1). */
  public static final List<String> PHONES =
      List.of(
          "aa", "ae", "ah", "ao", "aw", "ax", "ay", "b", "ch", "d", "dh", "eh", "er", "ey", "f",
          "g", "hh", "ih", "iy", "jh", "k", "l", "m", "n", "ng", "ow", "oy", "p", "r", "s", "sh",
          "t", "th", "uh", "uw", "v", "w", "y", "z", "zh", "pau");

  /** The pause phone. */
  public static final String PAUSE = "pau";

  /** The blank token's id. */
  public static final int BLANK = 0;

  /** Token ids: the blank and the 41 phones. */
  public static final int SYMBOLS = PHONES.size() + 1;

  private static final Map<String, Integer> IDS = new HashMap<>();

  static {
    for (int i = 0; i < PHONES.size(); i++) {
      IDS.put(PHONES.get(i), i + 1);
    }
  }

  private PhoneSet() {}

  /** Whether {@code phone} is one of the 41 phones. */
  public static boolean contains(String phone) {
    return IDS.containsKey(phone);
  }

  /**
   * The token id (1..41) of a phone.
   *
   * @throws IllegalArgumentException if it is not one of the 41 phones (the message lists them)
   */
  public static int id(String phone) {
    Integer id = IDS.get(phone);
    if (id == null) {
      throw new IllegalArgumentException(unknownPhone(phone));
    }
    return id;
  }

  /**
   * The phone of a token id.
   *
   * @throws IllegalArgumentException if {@code id} is not in 1..41
   */
  public static String phone(int id) {
    if (id < 1 || id > PHONES.size()) {
      throw new IllegalArgumentException(
          "PhoneSet.phone: id must be in 1.." + PHONES.size() + ", but was " + id);
    }
    return PHONES.get(id - 1);
  }

  /**
   * Token ids with blanks interleaved: {@code [0, id(p_1), 0, …, id(p_n), 0]}, 2n + 1 tokens.
   *
   * @throws IllegalArgumentException if a phone is unknown
   */
  public static int[] withBlanks(List<String> phones) {
    int[] tokens = new int[2 * phones.size() + 1];
    for (int i = 0; i < phones.size(); i++) {
      tokens[2 * i + 1] = id(phones.get(i));
    }
    return tokens;
  }

  /**
   * Parses space-separated phones (case-insensitive), e.g. {@code "pau hh iy s ae t pau"}, adding
   * {@code pau} at either end where it is missing (the model always saw both).
   *
   * @throws IllegalArgumentException if the text holds no phone, or an unknown one (named, with the
   *     valid set)
   */
  public static List<String> parse(String phonemes) {
    String trimmed = phonemes.strip();
    if (trimmed.isEmpty()) {
      throw new IllegalArgumentException(
          "phonemes: the input is empty; give phones such as 'hh ax l ow'");
    }
    List<String> out = new ArrayList<>();
    for (String p : trimmed.split("\\s+")) {
      String phone = p.toLowerCase(Locale.ROOT);
      if (!contains(phone)) {
        throw new IllegalArgumentException(unknownPhone(p));
      }
      out.add(phone);
    }
    if (!out.get(0).equals(PAUSE)) {
      out.add(0, PAUSE);
    }
    if (!out.get(out.size() - 1).equals(PAUSE)) {
      out.add(PAUSE);
    }
    return out;
  }

  static String unknownPhone(String phone) {
    return "phonemes: unknown phone '" + phone + "'; valid phones: " + String.join(" ", PHONES);
  }
}
