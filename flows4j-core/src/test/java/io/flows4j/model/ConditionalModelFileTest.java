package io.flows4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.data.Dataset;
import io.flows4j.flows.ConditionalFlow;
import io.flows4j.flows.Presets;
import io.flows4j.tensor.Rng;
import io.flows4j.training.TrainingConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fitting, saving and loading conditional models with their context encoding. */
class ConditionalModelFileTest {
  private static final int ROWS = 1500;

  /** Rows (x, y) ~ N((m, -m), 0.3^2 I) with m = -1, 1, 3 for labels lo, mid, hi. */
  private static Object[] data(long seed, int rows) {
    Rng rng = new Rng(seed);
    String[] names = {"lo", "mid", "hi"};
    float[][] xs = new float[rows][];
    String[] labels = new String[rows];
    for (int i = 0; i < rows; i++) {
      int k = rng.nextInt(3);
      double m = -1 + 2 * k;
      labels[i] = names[k];
      xs[i] =
          new float[] {
            (float) (m + 0.3 * rng.nextGaussian()), (float) (-m + 0.3 * rng.nextGaussian())
          };
    }
    Map<String, String[]> c = new LinkedHashMap<>();
    c.put("label", labels);
    return new Object[] {Dataset.of(List.of("x", "y"), xs), c};
  }

  @SuppressWarnings("unchecked")
  private static FittedModel fit() {
    Object[] d = data(1, ROWS);
    ConditionalFlow flow = Presets.conditionalFlow("maf", 2, 3, 3, new int[] {16, 16}, 1);
    return FittedModel.fitConditional(
        flow,
        (Dataset) d[0],
        (Map<String, String[]>) d[1],
        Set.of(),
        true,
        TrainingConfig.defaults().withSteps(400).withLearningRate(3e-3).withSeed(1),
        null);
  }

  @Test
  @SuppressWarnings("unchecked")
  @DisplayName("a fitted conditional model saves and loads with its labels and density (seed 1)")
  void saveAndLoad(@TempDir Path dir) throws Exception {
    FittedModel m = fit();
    assertThat(m.isConditional()).isTrue();
    // Labels in order of first appearance in the training data.
    String[] trainLabels = ((Map<String, String[]>) data(1, ROWS)[1]).get("label");
    assertThat(m.contextEncoding().orElseThrow().columns().get(0).labels())
        .containsExactlyElementsOf(new java.util.LinkedHashSet<>(List.of(trainLabels)));
    assertThat(trainLabels[0]).isEqualTo("hi");
    Object[] test = data(2, 600);
    Dataset x = (Dataset) test[0];
    Map<String, String[]> c = (Map<String, String[]>) test[1];
    float[] lp = m.logProb(x, c);
    // The true conditional entropy of N(., 0.09 I) in 2-D is log(2 pi e 0.09) = 0.431.
    double nll = m.evaluate(x, c).meanNll();
    assertThat(nll).isLessThan(Math.log(2 * Math.PI * Math.E * 0.09) + 0.15);
    Path f = dir.resolve("m.flows4j");
    m.save(f);
    FittedModel back = FittedModel.load(f);
    assertThat(back.isConditional()).isTrue();
    assertThat(back.contextEncoding().orElseThrow().describe())
        .isEqualTo("label (labels hi, lo, mid)");
    assertThat(back.logProb(x, c)).containsExactly(lp);
    assertThat(back.standardization()).isPresent();
    // Samples at label hi have mean near (3, -3).
    Map<String, String[]> hi = Map.of("label", new String[] {"hi"});
    Dataset s = back.sample(hi, 2000, 3, 1.0).values();
    double mx = 0;
    for (int i = 0; i < s.rows(); i++) {
      mx += s.get(i, 0);
    }
    assertThat(mx / s.rows()).isCloseTo(3, within(0.1));
    // decode inverts encode at the rows' contexts
    Dataset z = back.encode(x, c);
    Dataset again = back.decode(z, c);
    assertThat((double) again.get(5, 1)).isCloseTo(x.get(5, 1), within(1e-3));
  }

  @Test
  @DisplayName("unknown labels and missing contexts are refused naming the expected context")
  void errors() {
    FittedModel m = fit();
    Dataset x = Dataset.of(List.of("x", "y"), new float[][] {{0, 0}});
    assertThatThrownBy(() -> m.logProb(x, Map.of("label", new String[] {"top"})))
        .hasMessageContaining("unknown label 'top' in column label; known labels: hi, lo, mid");
    assertThatThrownBy(() -> m.logProb(x, Map.of("colour", new String[] {"red"})))
        .hasMessageContaining("column label is missing; the model is conditional on label");
    assertThatThrownBy(() -> m.logProb(x))
        .hasMessageContaining("the model is conditional on label (labels hi, lo, mid)");
    assertThatThrownBy(() -> m.sample(3, 1, 1.0)).hasMessageContaining("conditional on label");
  }

  /** Rewrites the model description of a saved file, with a correct checksum. */
  private static void rewrite(Path file, java.util.function.UnaryOperator<String> edit)
      throws Exception {
    io.flows4j.io.SafeTensors.Contents c = io.flows4j.io.SafeTensors.read(file);
    Map<String, String> meta = new LinkedHashMap<>(c.metadata());
    String json = edit.apply(meta.get(ModelFile.KEY_MODEL));
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    meta.put(ModelFile.KEY_MODEL, json);
    meta.put(ModelFile.KEY_MODEL_CRC, String.format(java.util.Locale.ROOT, "%08x", crc.getValue()));
    io.flows4j.io.SafeTensors.write(file, c.tensors(), meta);
  }

  @Test
  @DisplayName("a file whose context encoding is missing or does not fit the flow is refused")
  void contextIsChecked(@TempDir Path dir) throws Exception {
    FittedModel m = fit();
    Path f = dir.resolve("m.flows4j");
    m.save(f);
    // One label fewer: 2 features for a flow that takes 3.
    rewrite(
        f,
        json -> json.replace("\"labels\":[\"hi\",\"lo\",\"mid\"]", "\"labels\":[\"hi\",\"lo\"]"));
    assertThatThrownBy(() -> FittedModel.load(f))
        .isInstanceOf(io.flows4j.io.FileFormatException.class)
        .hasMessageContaining(
            "the context encoding (label (labels hi, lo)) gives 2 features, but the flow takes 3");
    m.save(f);
    rewrite(f, json -> json.replaceFirst(",\"context\":\\{\"columns\":\\[.*?\\]\\}\\]\\}", ""));
    assertThatThrownBy(() -> FittedModel.load(f))
        .isInstanceOf(io.flows4j.io.FileFormatException.class)
        .hasMessageContaining("the flow is conditional, but the model description has no context");
  }
}
