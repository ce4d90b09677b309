package io.flows4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.bijectors.ActNorm;
import io.flows4j.bijectors.Bijectors;
import io.flows4j.bijectors.Chain;
import io.flows4j.bijectors.ElementwiseAffine;
import io.flows4j.data.Dataset;
import io.flows4j.distributions.GaussianMixture;
import io.flows4j.distributions.StandardNormal;
import io.flows4j.flows.Flow;
import io.flows4j.flows.Presets;
import io.flows4j.io.FileFormatException;
import io.flows4j.io.SafeTensors;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import io.flows4j.training.TrainingConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModelFileTest {
  private static final long SEED = 31;

  @TempDir Path dir;

  private FittedModel model;
  private Path file;

  /** A trained, standardized model of two columns with an inverted layer in its chain. */
  static FittedModel trainedModel(long seed) {
    Rng rng = new Rng(seed);
    float[][] rows = new float[600][2];
    for (float[] r : rows) {
      r[0] = (float) (3 + 2 * rng.nextGaussian());
      r[1] = (float) (-1 + 0.5 * rng.nextGaussian() + 0.3 * r[0]);
    }
    Dataset data = Dataset.of(List.of("height", "weight"), rows);
    Flow flow =
        new Flow(
            Bijectors.chain(new ElementwiseAffine(2), new ElementwiseAffine(2).inverted()),
            new StandardNormal(2));
    FittedModel m =
        FittedModel.fit(
            flow, data, null, true, TrainingConfig.defaults().withSteps(150).withSeed(seed), null);
    return m.withMetadata(Map.of("note", "ünïcode \"quoted\"", "source", "test"));
  }

  @BeforeEach
  void save() throws IOException {
    model = trainedModel(SEED);
    file = dir.resolve("model.flows4j");
    model.save(file);
  }

  private static Tensor probe(long seed) {
    return new Rng(seed).fillNormal(Tensor.zeros(257, 2), 1, 3);
  }

  @Test
  @DisplayName("a saved model loads with bit-identical log-densities and everything else (seed 31)")
  void roundTrip() throws IOException {
    FittedModel loaded = FittedModel.load(file);
    Tensor x = probe(SEED);
    assertThat(loaded.logProb(x).toArray()).isEqualTo(model.logProb(x).toArray());
    assertThat(loaded.sampleWithLogProb(50, 3, 0.7).logProb())
        .isEqualTo(model.sampleWithLogProb(50, 3, 0.7).logProb());
    assertThat(loaded.columnNames()).containsExactly("height", "weight");
    assertThat(loaded.standardization()).isPresent();
    assertThat(loaded.standardization().orElseThrow().mean())
        .isEqualTo(model.standardization().orElseThrow().mean());
    assertThat(loaded.trainingConfig()).isEqualTo(model.trainingConfig());
    assertThat(loaded.trainingResult()).isEqualTo(model.trainingResult());
    assertThat(loaded.metadata()).isEqualTo(model.metadata());
    assertThat(loaded.describe()).isEqualTo(model.describe());
    Map<String, Tensor> a = loaded.flow().stateDict();
    Map<String, Tensor> b = model.flow().stateDict();
    assertThat(a.keySet()).containsExactlyElementsOf(b.keySet());
    for (String k : a.keySet()) {
      assertThat(a.get(k).toArray()).as(k).isEqualTo(b.get(k).toArray());
    }
    // Saving the loaded model gives the same bytes.
    Path again = dir.resolve("again.flows4j");
    loaded.save(again);
    assertThat(Files.readAllBytes(again)).isEqualTo(Files.readAllBytes(file));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"realnvp", "maf", "nsf", "nsf-ar", "nice"})
  @DisplayName("every preset, after an initialised ActNorm, round-trips bit for bit (seed 41)")
  void presetsRoundTrip(String preset) throws IOException {
    Rng rng = new Rng(41);
    float[][] rows = new float[400][3];
    for (float[] r : rows) {
      r[0] = (float) rng.nextGaussian();
      r[1] = (float) (r[0] * r[0] + 0.3 * rng.nextGaussian());
      r[2] = (float) (5 + 2 * rng.nextGaussian());
    }
    Dataset data = Dataset.of(List.of("a", "b", "c"), rows);
    ActNorm actNorm = new ActNorm(3);
    Flow flow =
        new Flow(
            Bijectors.chain(actNorm, Presets.transform(preset, 3, 3, new int[] {16, 16}, 41)),
            new StandardNormal(3));
    FittedModel m =
        FittedModel.fit(flow, data, null, true, TrainingConfig.defaults().withSteps(40), null);
    assertThat(actNorm.isInitialized()).isTrue();
    Path f = dir.resolve(preset + ".flows4j");
    m.save(f);
    FittedModel loaded = FittedModel.load(f);
    Tensor x = new Rng(42).fillNormal(Tensor.zeros(300, 3), 1, 3);
    assertThat(loaded.logProb(x).toArray()).isEqualTo(m.logProb(x).toArray());
    assertThat(loaded.sampleWithLogProb(64, 7, 0.8).logProb())
        .isEqualTo(m.sampleWithLogProb(64, 7, 0.8).logProb());
    assertThat(loaded.encode(x).toArray()).isEqualTo(m.encode(x).toArray());
    Chain outer = (Chain) loaded.flow().transform();
    ActNorm loadedActNorm = (ActNorm) ((Chain) outer.layers().get(1)).layers().get(0);
    assertThat(loadedActNorm.isInitialized()).isTrue();
    assertThat(loaded.parameterCount()).isEqualTo(m.parameterCount());
  }

  @Test
  @DisplayName("a trainable base distribution round-trips with its parameters (seed 43)")
  void trainableBase() throws IOException {
    Flow flow = new Flow(Bijectors.chain(new ElementwiseAffine(2)), new GaussianMixture(3, 2, 43));
    FittedModel m =
        FittedModel.fit(
            flow,
            trainedModel(43).sample(500, 1, 1.0),
            null,
            true,
            TrainingConfig.defaults().withSteps(30),
            null);
    Path f = dir.resolve("mixture.flows4j");
    m.save(f);
    FittedModel loaded = FittedModel.load(f);
    assertThat(loaded.flow().stateDict().keySet()).anyMatch(k -> k.startsWith("base."));
    assertThat(loaded.logProb(probe(43)).toArray()).isEqualTo(m.logProb(probe(43)).toArray());
  }

  @Test
  @DisplayName("a model without transform or training summary round-trips too")
  void bareModel() throws IOException {
    Flow flow = new Flow(Bijectors.chain(new ElementwiseAffine(3)), new StandardNormal(3));
    Path f = dir.resolve("bare.flows4j");
    FittedModel.of(flow, Dataset.defaultColumnNames(3)).save(f);
    FittedModel loaded = FittedModel.load(f);
    assertThat(loaded.standardization()).isEmpty();
    assertThat(loaded.trainingResult()).isEmpty();
    assertThat(loaded.trainingConfig()).isEmpty();
    assertThat(loaded.columnNames()).containsExactly("x0", "x1", "x2");
  }

  @Test
  @DisplayName(
      "the file is plain safetensors with the format, version and description in its header")
  void layout() throws IOException {
    SafeTensors.Contents c = SafeTensors.read(file);
    assertThat(c.metadata())
        .containsEntry(ModelFile.KEY_FORMAT, "flows4j-model")
        .containsEntry(ModelFile.KEY_VERSION, "1")
        .containsKey(ModelFile.KEY_MODEL)
        .containsKey(ModelFile.KEY_MODEL_CRC);
    assertThat(c.tensors().keySet())
        .containsExactly(
            "transform.1.0.logScale",
            "transform.1.0.shift",
            "transform.1.1.inner.logScale",
            "transform.1.1.inner.shift",
            "transform.0.mean",
            "transform.0.std");
    assertThat(c.metadata().get(ModelFile.KEY_MODEL))
        .contains(
            "\"type\":\"chain\"", "\"columns\":[\"height\",\"weight\"]", "\"standardization\"");
  }

  @Test
  @DisplayName("saving replaces the file atomically and leaves no temporary file")
  void atomicSave() throws IOException {
    FittedModel other = trainedModel(SEED + 1);
    other.save(file);
    assertThat(FittedModel.load(file).logProb(probe(1)).toArray())
        .isEqualTo(other.logProb(probe(1)).toArray());
    try (Stream<Path> s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("model.flows4j");
    }
    Path nowhere = dir.resolve("missing-dir").resolve("m.flows4j");
    assertThatThrownBy(() -> model.save(nowhere)).isInstanceOf(IOException.class);
    assertThat(Files.exists(nowhere.getParent())).isFalse();
  }

  @Test
  @DisplayName("a model with a non-finite weight is not written")
  void refusesNonFiniteWeights() {
    model.flow().namedParameters().get("transform.1.0.shift").value().setFlat(1, Float.NaN);
    Path f = dir.resolve("nan.flows4j");
    assertThatThrownBy(() -> model.save(f))
        .hasMessageContaining("tensor 'transform.1.0.shift' holds NaN at element 1");
    assertThat(Files.exists(f)).isFalse();
  }

  @Test
  @DisplayName("a missing file, a text file and a truncated file are refused, naming the file")
  void truncated() throws IOException {
    assertThatThrownBy(() -> FittedModel.load(dir.resolve("nope.flows4j")))
        .isInstanceOf(NoSuchFileException.class)
        .hasMessage(dir.resolve("nope.flows4j") + ": no such file");
    Path text = dir.resolve("text.flows4j");
    Files.writeString(text, "height,weight\n1,2\n");
    assertLoadFails(text, "header length must be");

    byte[] bytes = Files.readAllBytes(file);
    int headerEnd = 8 + (int) littleEndianLong(bytes);
    int[] cuts = {0, 3, 8, 9, 100, headerEnd - 1, headerEnd, headerEnd + 5, bytes.length - 1};
    for (int cut : cuts) {
      Path t = dir.resolve("cut" + cut + ".flows4j");
      Files.write(t, java.util.Arrays.copyOf(bytes, cut));
      assertLoadFails(t, "");
    }
    Path cut = dir.resolve("cut-data.flows4j");
    Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length - 4));
    assertLoadFails(cut, "file is truncated");
  }

  @Test
  @DisplayName("single-byte changes throughout the header are refused with a one-line message")
  void headerByteFlipsAreCaught() throws IOException {
    flipHeaderBytes(11, new int[] {0x01, 0x20, 0x80});
  }

  @Test
  @Tag("slow")
  @DisplayName("every single-byte change in the header is refused with a one-line message")
  void everyHeaderByteFlipIsCaught() throws IOException {
    flipHeaderBytes(1, new int[] {0x01, 0x80});
  }

  /** Flips the given bits of every {@code stride}-th header byte, one change per file. */
  private void flipHeaderBytes(int stride, int[] masks) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    int headerEnd = 8 + (int) littleEndianLong(bytes);
    Path t = dir.resolve("flipped.flows4j");
    int k = 0;
    for (int i = 0; i < headerEnd; i += stride) {
      for (int mask : masks) {
        byte[] copy = bytes.clone();
        copy[i] ^= (byte) mask;
        Files.write(t, copy);
        int at = i;
        assertThatThrownBy(() -> FittedModel.load(t))
            .as("byte %d ^ 0x%02x", at, mask)
            .isInstanceOf(FileFormatException.class)
            .hasMessageStartingWith(t + ": ")
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        k++;
      }
    }
    assertThat(k).isGreaterThan(headerEnd / stride);
  }

  @Test
  @DisplayName("a changed byte in the weights is caught by the checksum")
  void dataByteFlip() throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    int headerEnd = 8 + (int) littleEndianLong(bytes);
    Path t = dir.resolve("flipped.flows4j");
    for (int i = headerEnd; i < bytes.length; i += 3) {
      byte[] copy = bytes.clone();
      copy[i] ^= 0x10;
      Files.write(t, copy);
      assertLoadFails(t, "tensor data is corrupted: CRC-32C must be ");
    }
  }

  @Test
  @DisplayName("an unknown layer type in the description is refused, naming the type")
  void unknownType() throws IOException {
    rewrite(json -> json.replace("\"elementwise-affine\"", "\"mystery-layer\""), Map.of());
    assertLoadFails(file, "architecture: BijectorRegistry: unknown bijector type 'mystery-layer'");
  }

  @Test
  @DisplayName("a future version, another format and a plain safetensors file are refused")
  void versionAndFormat() throws IOException {
    rewrite(json -> json, Map.of(ModelFile.KEY_VERSION, "2"));
    assertLoadFails(file, "format version 2 is newer than this flows4j reads (1); use a newer");
    rewrite(json -> json, Map.of(ModelFile.KEY_VERSION, "1", ModelFile.KEY_FORMAT, "other"));
    assertLoadFails(file, "not a flows4j model file: format must be 'flows4j-model', but was");
    Path plain = dir.resolve("plain.safetensors");
    model.flow().saveState(plain, Map.of());
    assertLoadFails(plain, "not a flows4j model file (its safetensors header has no");
  }

  @Test
  @DisplayName("a description edited without fixing its checksum is refused")
  void descriptionChecksum() throws IOException {
    SafeTensors.Contents c = SafeTensors.read(file);
    Map<String, String> meta = new LinkedHashMap<>(c.metadata());
    meta.put(ModelFile.KEY_MODEL, meta.get(ModelFile.KEY_MODEL).replace("height", "heigth"));
    SafeTensors.write(file, c.tensors(), meta);
    assertLoadFails(file, "model description is corrupted: CRC-32C must be ");
  }

  @Test
  @DisplayName("a missing, extra or mis-shaped tensor and a NaN weight are refused by name")
  void tensorsChecked() throws IOException {
    SafeTensors.Contents c = SafeTensors.read(file);
    Map<String, Tensor> t = new LinkedHashMap<>(c.tensors());
    t.remove("transform.1.0.shift");
    SafeTensors.write(file, t, c.metadata());
    assertLoadFails(
        file, "tensor 'transform.1.0.shift' is listed in the model description but missing");

    t = new LinkedHashMap<>(c.tensors());
    t.put("transform.9.extra", Tensor.zeros(2));
    SafeTensors.write(file, t, c.metadata());
    assertLoadFails(file, "tensor 'transform.9.extra' is not listed in the model description");

    t = new LinkedHashMap<>(c.tensors());
    t.put("transform.1.0.shift", Tensor.zeros(3));
    SafeTensors.write(file, t, c.metadata());
    assertLoadFails(
        file, "tensor 'transform.1.0.shift' must have shape [2] (model description), but was [3]");

    // Listed and stored alike, but not what the architecture builds.
    SafeTensors.write(file, t, c.metadata());
    rewrite(
        json -> json.replace("\"transform.1.0.shift\":[2]", "\"transform.1.0.shift\":[3]"),
        Map.of());
    assertLoadFails(
        file,
        "the weights do not fit the architecture: loadStateDict: state does not fit Flow:"
            + " transform.1.0.shift must have shape [2], but was [3]");

    t = new LinkedHashMap<>(c.tensors());
    Tensor bad = t.get("transform.1.1.inner.logScale").copy();
    bad.setFlat(1, Float.POSITIVE_INFINITY);
    t.put("transform.1.1.inner.logScale", bad);
    SafeTensors.write(file, t, c.metadata());
    assertLoadFails(
        file, "tensor 'transform.1.1.inner.logScale' holds Infinity at element 1; weights must be");
  }

  @Test
  @DisplayName("a data transform outside the flow (an early development format) is refused")
  void oldDataTransform() throws IOException {
    rewrite(
        json ->
            json.replace(
                "\"columns\":[\"height\",\"weight\"]",
                "\"columns\":[\"height\",\"weight\"],\"transform\":{\"type\":\"standardize\"}"),
        Map.of());
    assertLoadFails(file, "data.transform is not read by this version");
  }

  @Test
  @DisplayName("a description whose columns do not fit the flow is refused")
  void columnsChecked() throws IOException {
    rewrite(json -> json.replace("[\"height\",\"weight\"]", "[\"height\"]"), Map.of());
    assertLoadFails(file, "");
    rewrite(
        json -> json.replace("\"columns\":[\"height\"]", "\"columns\":[\"a\",\"a\"]"), Map.of());
    assertLoadFails(file, "column names must be unique");
  }

  /** Rewrites the file with an edited description (and a matching checksum) and metadata. */
  private void rewrite(java.util.function.UnaryOperator<String> edit, Map<String, String> overrides)
      throws IOException {
    SafeTensors.Contents c = SafeTensors.read(file);
    Map<String, String> meta = new LinkedHashMap<>(c.metadata());
    String json = edit.apply(meta.get(ModelFile.KEY_MODEL));
    meta.put(ModelFile.KEY_MODEL, json);
    CRC32C crc = new CRC32C();
    crc.update(json.getBytes(StandardCharsets.UTF_8));
    meta.put(ModelFile.KEY_MODEL_CRC, String.format(Locale.ROOT, "%08x", crc.getValue()));
    meta.putAll(overrides);
    SafeTensors.write(file, c.tensors(), meta);
  }

  private static void assertLoadFails(Path f, String fragment) {
    assertThatThrownBy(() -> FittedModel.load(f))
        .isInstanceOf(FileFormatException.class)
        .hasMessageStartingWith(f + ": ")
        .hasMessageContaining(fragment)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  private static long littleEndianLong(byte[] b) {
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = (v << 8) | (b[i] & 0xff);
    }
    return v;
  }
}
