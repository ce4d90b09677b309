package io.flows4j.speech.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Transformed;
import io.flows4j.io.FileFormatException;
import io.flows4j.io.Json;
import io.flows4j.io.SafeTensors;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The whole model: masking, the loss's terms, synthesis, files. */
class GlowTtsTest {
  /** A small model with every part of the tiny preset, on 8 mel channels. */
  static final GlowTtsConfig SMALL =
      new GlowTtsConfig(8, 8, 16, 2, 3, 0.1, 16, 3, 0.1, 2, 2, 12, 5, 1, 0.05);

  /** {@link #SMALL} with a self-attention encoder of 2 layers (2 heads, window 4). */
  static final GlowTtsConfig SMALL_ATTENTION =
      SMALL.withEncoder(GlowTtsConfig.EncoderKind.ATTENTION, 2);

  /** The members a model file's configuration had before the encoder kind existed. */
  private static final Set<String> NEW_MEMBERS =
      Set.of(
          "encoder",
          "encoderHeads",
          "encoderWindow",
          "encoderFilterChannels",
          "encoderFilterKernel");

  /** Relative agreement of sums over different batch layouts (float rounding of long sums). */
  private static final double LAYOUT_TOL = 2e-5;

  private static SyntheticSpeech data(long seed) {
    return new SyntheticSpeech(3, 8, 8, 3, 6, 2, 5, 0.3, seed);
  }

  /** A model whose ActNorm layers were initialised on {@code data}, in evaluation mode. */
  private static GlowTts initialised(GlowTtsConfig config, SyntheticSpeech data, long seed) {
    GlowTts m = new GlowTts(config, seed);
    try (Tape t = Tape.record()) {
      m.loss(data.batch());
    }
    m.eval();
    return m;
  }

  /** The loss's sums (not means) of one batch: {nll numerator, duration sum}. */
  private static double[] sums(GlowTts m, SpeechBatch batch) {
    try (Tape t = Tape.noGrad()) {
      GlowTts.Loss l = m.loss(batch);
      long frames = 0;
      for (int n : batch.frameLengths()) {
        frames += n;
      }
      long tokens = 0;
      for (int n : batch.tokenLengths()) {
        tokens += n;
      }
      double nllSum =
          (l.nll().item() - 0.5 * Math.log(2 * Math.PI)) * frames * m.config().melChannels();
      return new double[] {nllSum, l.duration().item() * tokens};
    }
  }

  @ParameterizedTest(name = "{0} encoder")
  @ValueSource(strings = {"conv", "attention"})
  @DisplayName("padding changes no item's loss: batch sums equal the sums of the items alone")
  void paddingInvariance(String kind) {
    SyntheticSpeech d = data(31);
    GlowTts m = initialised(kind.equals("conv") ? SMALL : SMALL_ATTENTION, d, 5);
    double[] batch = sums(m, d.batch());
    double nll = 0;
    double dur = 0;
    for (int i = 0; i < 3; i++) {
      double[] s = sums(m, d.item(i));
      nll += s[0];
      dur += s[1];
    }
    assertThat(batch[0]).isCloseTo(nll, within(LAYOUT_TOL * Math.abs(nll)));
    assertThat(batch[1]).isCloseTo(dur, within(LAYOUT_TOL * Math.abs(dur) + 1e-6));
  }

  @Test
  @DisplayName("values in the padding of the mels change nothing")
  void paddingValuesIgnored() {
    SyntheticSpeech d = data(32);
    GlowTts m = initialised(SMALL, d, 6);
    SpeechBatch clean = d.batch();
    Tensor noisy = clean.mels().copy();
    Rng rng = new Rng(3);
    int len = noisy.dim(2);
    for (int b = 0; b < clean.size(); b++) {
      for (int c = 0; c < noisy.dim(1); c++) {
        for (int t = clean.frameLengths()[b]; t < len; t++) {
          noisy.set((float) (100 * rng.nextGaussian()), b, c, t);
        }
      }
    }
    SpeechBatch dirty = new SpeechBatch(clean.tokens(), noisy, clean.frameLengths());
    assertThat(sums(m, dirty)).containsExactly(sums(m, clean));
  }

  @Test
  @DisplayName("the decoder gives each item the same latent and log-det alone and padded")
  void decoderPaddingInvariance() {
    SyntheticSpeech d = data(33);
    GlowTts m = initialised(SMALL, d, 7);
    SpeechBatch batch = d.batch();
    Tensor mask = Masks.fromLengths(batch.frameLengths(), batch.mels().dim(2));
    try (Tape t = Tape.noGrad()) {
      Transformed all = m.decoder().forward(Var.constant(batch.mels()), mask);
      for (int i = 0; i < 3; i++) {
        SpeechBatch one = d.item(i);
        Transformed alone = m.decoder().forward(Var.constant(one.mels()), null);
        int n = one.frameLengths()[0];
        assertThat((double) all.logAbsDet().value().getFlat(i))
            .isCloseTo(alone.logAbsDet().value().getFlat(0), within(1e-3));
        for (int c = 0; c < 8; c++) {
          for (int f = 0; f < all.value().shape().dim(2); f++) {
            float v = all.value().value().get(i, c, f);
            if (f < n) {
              assertThat((double) v).isCloseTo(alone.value().value().get(0, c, f), within(1e-4));
            } else {
              assertThat(v).isZero();
            }
          }
        }
      }
    }
  }

  @Test
  @DisplayName("decoder inverse(forward(y)) = y on the tiny preset's sizes (80 mels, 4 blocks)")
  void decoderRoundTrip() {
    GlowTtsConfig tiny = GlowTtsConfig.tiny();
    FlowDecoder dec = new FlowDecoder(80, tiny.flowBlocks(), 64, 5, 1, 3, 0.05, 17);
    Tensor y = new Rng(4).fillNormal(Tensor.zeros(2, 80, 24), -6.5, 2.3);
    Tensor mask = Masks.fromLengths(new int[] {24, 16}, 24);
    for (int b = 0; b < 80; b++) {
      for (int f = 16; f < 24; f++) {
        y.set(0f, 1, b, f);
      }
    }
    dec.forward(Var.constant(y), mask); // data-dependent initialisation
    for (io.flows4j.autodiff.Parameter p : dec.parameters()) {
      Rng r = new Rng(p.name().hashCode());
      for (int i = 0; i < p.size(); i++) {
        p.value().setFlat(i, p.value().getFlat(i) + (float) (0.02 * r.nextGaussian()));
      }
    }
    dec.eval();
    try (Tape t = Tape.noGrad()) {
      Transformed f = dec.forward(Var.constant(y), mask);
      Transformed g = dec.inverse(f.value(), mask);
      Tensor back = g.value().value();
      for (int i = 0; i < y.size(); i++) {
        assertThat((double) back.getFlat(i))
            .isCloseTo(y.getFlat(i), within(2e-4 * (1 + Math.abs(y.getFlat(i)))));
      }
      for (int b = 0; b < 2; b++) {
        assertThat((double) f.logAbsDet().value().getFlat(b) + g.logAbsDet().value().getFlat(b))
            .isCloseTo(0, within(1e-2));
      }
    }
  }

  @Test
  @DisplayName("the tiny preset has the kit's decoder size (0.64 M) and the stated parts")
  void tinyPreset() {
    GlowTts m = new GlowTts(GlowTtsConfig.tiny(), 1);
    long decoder = 0;
    long duration = 0;
    for (var e : m.namedParameters().entrySet()) {
      if (e.getKey().startsWith("decoder.")) {
        decoder += e.getValue().size();
      } else if (e.getKey().startsWith("duration.")) {
        duration += e.getValue().size();
      }
    }
    // Kit: decoder 0.64 M, duration predictor 0.056 M (shared/speech/README.md, section 6).
    assertThat(decoder).isBetween(630_000L, 650_000L);
    assertThat(duration).isBetween(55_000L, 57_000L);
  }

  @Test
  @DisplayName("synthesis: [mels, sum of durations], reproducible by seed, scales act as stated")
  void synthesis() {
    SyntheticSpeech d = data(34);
    GlowTts m = initialised(SMALL, d, 8);
    int[] tokens = d.tokens.get(0);
    int[] w = m.durations(tokens, 1.0);
    int total = 0;
    for (int x : w) {
      assertThat(x).isPositive();
      total += x;
    }
    Tensor a = m.synthesize(tokens, 0.333, 1.0, 99);
    assertThat(a.shape()).isEqualTo(Shape.of(8, total));
    assertThat(m.synthesize(tokens, 0.333, 1.0, 99).toArray()).containsExactly(a.toArray());
    assertThat(m.synthesize(tokens, 0.333, 1.0, 98).toArray()).isNotEqualTo(a.toArray());
    int[] slow = m.durations(tokens, 3.0);
    for (int i = 0; i < w.length; i++) {
      assertThat(slow[i]).isGreaterThanOrEqualTo(w[i]);
    }
    assertThatThrownBy(() -> m.synthesize(tokens, -1, 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("noiseScale");
    assertThatThrownBy(() -> m.synthesize(tokens, 0.3, 0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lengthScale");
    assertThatThrownBy(() -> m.synthesize(new int[0], 0.3, 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> m.synthesize(new int[] {8}, 0.3, 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[0, 8)");
  }

  @ParameterizedTest(name = "{0} encoder")
  @ValueSource(strings = {"conv", "attention"})
  @DisplayName("save and load reproduce the loss and the synthesis; other files are refused")
  void saveAndLoad(String kind, @TempDir Path dir) throws IOException {
    SyntheticSpeech d = data(35);
    GlowTtsConfig config = kind.equals("conv") ? SMALL : SMALL_ATTENTION;
    GlowTts m = initialised(config, d, 9);
    Path file = dir.resolve("m.safetensors");
    m.save(file);
    GlowTts back = GlowTts.load(file);
    back.eval();
    assertThat(back.config()).isEqualTo(config);
    assertThat(back.config().encoderKind().id()).isEqualTo(kind);
    assertThat(sums(back, d.batch())).containsExactly(sums(m, d.batch()));
    assertThat(back.synthesize(d.tokens.get(1), 0.5, 1.2, 3).toArray())
        .containsExactly(m.synthesize(d.tokens.get(1), 0.5, 1.2, 3).toArray());
    Path other = dir.resolve("other.safetensors");
    SafeTensors.write(other, Map.of("x", Tensor.zeros(2)), Map.of());
    assertThatThrownBy(() -> GlowTts.load(other))
        .isInstanceOf(FileFormatException.class)
        .hasMessageContaining("not a Glow-TTS model");
  }

  @Test
  @DisplayName("a model file without the encoder members (written before them) loads as conv")
  void oldFileLoadsAsConv(@TempDir Path dir) throws IOException {
    SyntheticSpeech d = data(36);
    GlowTts m = initialised(SMALL, d, 10);
    Path file = dir.resolve("new.safetensors");
    m.save(file);
    SafeTensors.Contents c = SafeTensors.read(file);
    Json.Obj cfg = (Json.Obj) Json.parse(c.metadata().get(GlowTts.KEY_CONFIG));
    Map<String, Json> old = new LinkedHashMap<>(cfg.members());
    old.keySet().removeAll(NEW_MEMBERS);
    assertThat(old).hasSize(cfg.members().size() - NEW_MEMBERS.size());
    Path oldFile = dir.resolve("old.safetensors");
    SafeTensors.write(oldFile, c.tensors(), Map.of(GlowTts.KEY_CONFIG, new Json.Obj(old).write()));
    GlowTts back = GlowTts.load(oldFile);
    back.eval();
    assertThat(back.config()).isEqualTo(SMALL);
    assertThat(back.config().encoderKind()).isEqualTo(GlowTtsConfig.EncoderKind.CONV);
    assertThat(sums(back, d.batch())).containsExactly(sums(m, d.batch()));
  }

  @Test
  @DisplayName("the encoder members: JSON round trip, unknown kinds and bad sizes are refused")
  void encoderConfig() {
    GlowTtsConfig tiny = GlowTtsConfig.tiny(GlowTtsConfig.EncoderKind.ATTENTION);
    assertThat(GlowTtsConfig.fromJson(tiny.toJson())).isEqualTo(tiny);
    assertThat(tiny.encoderLayers()).isEqualTo(3);
    assertThat(tiny.encoderHeads()).isEqualTo(2);
    assertThat(tiny.encoderWindow()).isEqualTo(4);
    assertThat(tiny.encoderFilterChannels()).isEqualTo(384);
    assertThat(tiny.encoderFilterKernel()).isEqualTo(3);
    assertThat(GlowTtsConfig.tiny(GlowTtsConfig.EncoderKind.CONV)).isEqualTo(GlowTtsConfig.tiny());
    Map<String, Json> members = new LinkedHashMap<>(tiny.toJson().members());
    members.put("encoder", new Json.Str("lstm"));
    assertThatThrownBy(() -> GlowTtsConfig.fromJson(new Json.Obj(members)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("encoder must be conv or attention, but was 'lstm'");
    assertThatThrownBy(() -> SMALL.withEncoder(GlowTtsConfig.EncoderKind.ATTENTION, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("encoderLayers");
    assertThatThrownBy(
            () ->
                new GlowTtsConfig(
                    8,
                    8,
                    16,
                    2,
                    3,
                    0.1,
                    16,
                    3,
                    0.1,
                    2,
                    2,
                    12,
                    5,
                    1,
                    0.05,
                    GlowTtsConfig.EncoderKind.ATTENTION,
                    3,
                    4,
                    64,
                    3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("GlowTtsConfig: encoderHeads must divide hidden (16), but was 3");
    assertThatThrownBy(
            () ->
                new GlowTtsConfig(
                    8,
                    8,
                    16,
                    2,
                    3,
                    0.1,
                    16,
                    3,
                    0.1,
                    2,
                    2,
                    12,
                    5,
                    1,
                    0.05,
                    GlowTtsConfig.EncoderKind.ATTENTION,
                    2,
                    -1,
                    64,
                    3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("encoderWindow");
  }

  @Test
  @DisplayName("the tiny attention preset has the kit's encoder size (0.85 M with the durations)")
  void tinyAttentionPreset() {
    GlowTts m = new GlowTts(GlowTtsConfig.tiny(GlowTtsConfig.EncoderKind.ATTENTION), 1);
    long encoder = 0;
    for (var e : m.namedParameters().entrySet()) {
      if (!e.getKey().startsWith("decoder.")) {
        encoder += e.getValue().size();
      }
    }
    // Kit: encoder 0.85 M including the duration predictor (shared/speech/README.md, section 6).
    assertThat(encoder).isBetween(840_000L, 860_000L);
  }

  @Test
  @DisplayName("bad batches are refused with messages naming the item")
  void badBatches() {
    assertThatThrownBy(
            () -> SpeechBatch.of(List.of(new int[] {1, 2, 3}), List.of(Tensor.zeros(8, 2))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("item 0 has 2 frames for 3 tokens");
    assertThatThrownBy(() -> SpeechBatch.of(List.of(new int[0]), List.of(Tensor.zeros(8, 4))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("item 0 has no tokens");
    GlowTts m = new GlowTts(SMALL, 1);
    SpeechBatch wrong = SpeechBatch.of(List.of(new int[] {1}), List.of(Tensor.zeros(6, 4)));
    assertThatThrownBy(() -> m.loss(wrong))
        .isInstanceOf(io.flows4j.tensor.ShapeMismatchException.class)
        .hasMessageContaining("8 channels");
  }
}
